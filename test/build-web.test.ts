// `exprsim build-web --out DIR` (the real CLI) writes a static site; served from a plain static
// file server it runs in Chromium (headless, via playwright-core): photos chosen in the page are
// detected and embedded there, the similarity table and the odd one out of three picked faces
// agree with Node's answers for the same photos, and nothing is fetched from another origin.
// Skips with a printed reason where Chromium is not installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, runCli } from './helpers.js';
import { serveStatic } from './fixtures/static-server.js';
import { CHROMIUM, chromiumSkip } from './fixtures/chromium.js';

const skip = chromiumSkip('the static demo test');

const PHOTOS = ['astronaut.jpg', 'camera.jpg', 'grace_hopper.jpg'].map((f) =>
  join(REPO, 'samples', 'photos', f),
);

test(
  'build-web writes a static demo that works from a plain file server',
  { skip, timeout: 300_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'exprsim-web-'));
    after(() => rm(root, { recursive: true, force: true }));
    const out = join(root, 'site');
    const r = await runCli(['build-web', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /static demo written to .*site/);
    const files = await readdir(out);
    for (const f of [
      'index.html',
      'demo.js',
      'exprsim.js',
      'tfjs-backend-wasm-simd.wasm',
      'models',
    ]) {
      assert.ok(files.includes(f), `${f} in the site`);
    }
    assert.deepEqual((await readdir(join(out, 'models'))).sort(), [
      'blazeface',
      'exprsim-default',
      'mtcnn',
    ]);

    // Node's answers for the same photos (the server's pipeline). The demo picks its backend
    // itself (wasm in headless Chromium, WebGL where there is a GPU), so similarities are
    // compared to WebGL's float error, the odd one out exactly.
    const { initEngine } = await import('../src/engine/index.js');
    const { createDetector } = await import('../src/detect/index.js');
    const { createEmbedder, embedPhotoFaces } = await import('../src/embed/index.js');
    const { readImage } = await import('../src/image/index.js');
    const { defaultModelPath } = await import('../src/core/index.js');
    const { compareFaces, oddOneOut, readModelCalibration } =
      await import('../src/search/index.js');
    await initEngine({ backend: 'wasm' });
    const detector = await createDetector('mtcnn');
    const embedder = await createEmbedder(defaultModelPath());
    const node: Float32Array[] = [];
    for (const p of PHOTOS) {
      for (const f of await embedPhotoFaces(await readImage(p), { embedder, detector }))
        node.push(f.embedding);
    }
    detector.dispose();
    embedder.dispose();
    assert.ok(node.length >= 3);
    const calibration = (await readModelCalibration(defaultModelPath()))!;

    // The README's minimal page, next to the site's files, on one of the photos.
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const example =
      /<!-- browser-example:start -->\n```html\n([\s\S]*?)```\n<!-- browser-example:end -->/.exec(
        readme,
      );
    assert.ok(example, 'README has the browser example');
    const server = await serveStatic({
      '/example.html': { text: example[1], type: 'text/html' },
      '/photo.jpg': PHOTOS[2],
      '/': out,
    });
    after(() => server.close());
    const { chromium } = await import('playwright-core');
    const profile = await mkdtemp(join(tmpdir(), 'exprsim-chromium-'));
    after(() => rm(profile, { recursive: true, force: true }));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    after(() => browser.close());
    const requests: string[] = [];
    browser.on('request', (q) => requests.push(q.url()));
    const page = await browser.newPage();
    await page.goto(server.url('/'));
    await page.locator('body[data-ready="true"]').waitFor();
    assert.match(
      (await page.getByTestId('engine').textContent()) ?? '',
      /backend: +(webgl|wasm|cpu) \(/,
    );
    await page.getByTestId('files').setInputFiles(PHOTOS);
    await page
      .getByTestId('status')
      .filter({ hasText: /faces? found/ })
      .waitFor();
    const shown = page.getByTestId('face');
    assert.equal(await shown.count(), node.length, 'the page finds the faces Node finds');

    // The similarity table: every pair, as Node's compareFaces says (within WebGL's float error).
    const cells = await page
      .getByTestId('similarity')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.similarity)));
    assert.equal(cells.length, node.length * (node.length - 1));
    const expected = (await compareFaces(node[0], node[1], { calibration })).similarity!;
    assert.ok(
      Math.abs(cells[0] - expected) < 0.02,
      `similarity of faces 1 and 2: ${cells[0]} vs ${expected}`,
    );

    // Pick the first three faces: the odd one out is Node's.
    for (let i = 0; i < 3; i++) await shown.nth(i).click();
    await page.getByTestId('odd').filter({ hasText: 'Odd one out' }).waitFor();
    const odd = Number(await page.getByTestId('odd').getAttribute('data-odd'));
    assert.equal(odd, oddOneOut(node[0], node[1], node[2]).odd);

    const readmePage = await browser.newPage();
    readmePage.setDefaultTimeout(180_000);
    await readmePage.goto(server.url('/example.html'));
    await readmePage.locator('#out').filter({ hasText: /faces/ }).waitFor();
    const text = (await readmePage.locator('#out').textContent()) ?? '';
    assert.match(text, /^(webgl|wasm|cpu) \(first preference|^(wasm|cpu) \(fallback/);
    assert.match(text, /: [1-9]\d* faces/);
    assert.match(text, /\{"x":/);

    const origin = new URL(server.url('/')).origin;
    const foreign = requests.filter(
      (u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'),
    );
    assert.deepEqual(foreign, []);
  },
);
