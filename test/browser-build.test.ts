// exprsim/browser in a real browser (Debian's Chromium via playwright-core, headless): the test
// builds the bundle (scripts/build-browser.mjs), serves it, the models and the sample photos from
// a plain static file server on 127.0.0.1, and checks that the page finds the same faces and
// computes the same embeddings, similarities and odd-one-out answers as Node does for the same
// images (wasm on both sides), and that nothing is requested from another origin.
// Skips with a printed reason where Chromium is not installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './helpers.js';
import { serveStatic, type StaticServer } from './fixtures/static-server.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkip } from './fixtures/chromium.js';

const skip = chromiumSkip('the browser build tests');

/** The repository's photos: the samples (JPEG) and the detector fixture. */
const PHOTOS = [
  'samples/photos/astronaut.jpg',
  'samples/photos/camera.jpg',
  'samples/photos/grace_hopper.jpg',
  'test/fixtures/detect/astronaut-256.jpg',
];

interface Face {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  embedding: number[];
}

const INDEX_HTML = `<!doctype html><meta charset="utf-8"><title>exprsim browser test</title><body></body>`;

async function start() {
  const { buildBrowser } = await import('../scripts/build-browser.mjs');
  const out = await mkdtemp(join(tmpdir(), 'exprsim-browser-'));
  await buildBrowser(join(out, 'dist'));
  const server: StaticServer = await serveStatic({
    '/': { text: INDEX_HTML, type: 'text/html' },
    '/dist/': join(out, 'dist'),
    '/models/': join(REPO, 'models'),
    '/photos/': REPO,
  });
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'exprsim-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const requests: string[] = [];
  browser.on('request', (r) => requests.push(r.url()));
  const pageErrors: string[] = [];
  browser.on('weberror', (e) => pageErrors.push(e.error().message));
  after(async () => {
    await browser.close();
    await server.close();
    await rm(out, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  });
  return { server, browser, requests, pageErrors };
}

const setup = skip ? undefined : await start();

/** Node's answers for the photos: the same functions the server uses, on wasm. */
async function nodeFaces(detectorName: 'mtcnn' | 'blazeface') {
  const { initEngine } = await import('../src/engine/index.js');
  const { createDetector } = await import('../src/detect/index.js');
  const { createEmbedder, embedPhotoFaces } = await import('../src/embed/index.js');
  const { readImage } = await import('../src/image/index.js');
  const { defaultModelPath } = await import('../src/core/index.js');
  await initEngine({ backend: 'wasm' });
  const detector = await createDetector(detectorName);
  const embedder = await createEmbedder(defaultModelPath());
  const out: Face[][] = [];
  for (const p of PHOTOS) {
    const img = await readImage(join(REPO, p));
    const faces = await embedPhotoFaces(img, { embedder, detector });
    out.push(faces.map((f) => ({ box: f.box, score: f.score, embedding: [...f.embedding] })));
  }
  detector.dispose?.();
  embedder.dispose();
  return out;
}

/**
 * The page's answers: it imports the bundle, starts wasm, loads the detector and the default
 * model from /models, and embeds each photo from an <img> (decoded by Chromium) or, with
 * `pixels`, from the RGB pixels Node decoded (so that only the pipeline is compared).
 */
async function pageFaces(
  detectorName: 'mtcnn' | 'blazeface',
  pixels?: { data: number[]; width: number; height: number }[],
  server: StaticServer = setup!.server,
) {
  const { browser } = setup!;
  const page = await browser.newPage();
  await page.goto(server.url('/'));
  const result = await page.evaluate(
    async ({ photos, detectorName, pixels }) => {
      const x = await import('/dist/exprsim.js' as string);
      const engine = await x.init({ backend: 'wasm', modelBaseUrl: '/models' });
      const tools = await x.loadFaceTools({ detector: detectorName });
      const faces = [];
      for (let i = 0; i < photos.length; i++) {
        let source;
        if (pixels) {
          const p = pixels[i];
          source = { data: Uint8Array.from(p.data), width: p.width, height: p.height, channels: 3 };
        } else {
          source = new Image();
          source.src = `/photos/${photos[i]}`;
          await source.decode();
        }
        const found = await tools.embedPhoto(source);
        faces.push(
          found.map((f: { box: unknown; score: number; embedding: Float32Array }) => ({
            box: f.box,
            score: f.score,
            embedding: [...f.embedding],
          })),
        );
      }
      const all = faces.flat().map((f) => Float32Array.from(f.embedding));
      const comparisons = [];
      for (let i = 0; i + 1 < all.length; i++)
        comparisons.push(await tools.compare(all[i], all[i + 1]));
      const odd = all.length >= 3 ? x.oddOneOut(all[0], all[1], all[2]) : undefined;
      const lines = await x.engineLines();
      tools.dispose();
      return { engine, faces, comparisons, odd, lines };
    },
    { photos: PHOTOS, detectorName, pixels },
  );
  await page.close();
  return result;
}

function assertSameFaces(page: Face[][], node: Face[][], what: string): number {
  let worst = 0;
  assert.equal(page.length, node.length);
  for (let i = 0; i < node.length; i++) {
    assert.equal(page[i].length, node[i].length, `${what} ${PHOTOS[i]}: face count`);
    for (let j = 0; j < node[i].length; j++) {
      const a = page[i][j];
      const b = node[i][j];
      for (const k of ['x', 'y', 'width', 'height'] as const) {
        assert.ok(
          Math.abs(a.box[k] - b.box[k]) <= 1,
          `${what} ${PHOTOS[i]} face ${j} box.${k}: ${a.box[k]} vs ${b.box[k]}`,
        );
      }
      assert.equal(a.embedding.length, 16);
      for (let d = 0; d < 16; d++) {
        const diff = Math.abs(a.embedding[d] - b.embedding[d]);
        worst = Math.max(worst, diff);
        assert.ok(
          diff <= 1e-3,
          `${what} ${PHOTOS[i]} face ${j} component ${d}: ${a.embedding[d]} vs ${b.embedding[d]}`,
        );
      }
    }
  }
  return worst;
}

for (const detectorName of ['mtcnn', 'blazeface'] as const) {
  test(
    `${detectorName}: the page's boxes, embeddings, similarities and odd one out equal Node's (wasm)`,
    { skip, timeout: 300_000 },
    async () => {
      const { server, requests, pageErrors } = setup!;
      const node = await nodeFaces(detectorName);
      assert.ok(node.flat().length >= 3, 'the photos hold at least three faces');
      const { readImage } = await import('../src/image/index.js');
      const pixels = [];
      for (const p of PHOTOS) {
        const img = await readImage(join(REPO, p));
        pixels.push({ data: [...img.data], width: img.width, height: img.height });
      }
      const same = await pageFaces(detectorName, pixels);
      assert.equal(same.engine.backend, 'wasm');
      assert.match(same.lines.join('\n'), /backend: +wasm \(requested by option\)/);
      const worst = assertSameFaces(same.faces, node, 'pixels');
      console.log(
        `# ${detectorName}: largest embedding difference page vs Node ${worst.toExponential(2)}`,
      );

      // Similarity and odd one out: the same answers from the same embeddings' calibration.
      const { compareFaces, oddOneOut, readModelCalibration } =
        await import('../src/search/index.js');
      const { defaultModelPath } = await import('../src/core/index.js');
      const calibration = (await readModelCalibration(defaultModelPath()))!;
      const all = node.flat().map((f) => Float32Array.from(f.embedding));
      for (let i = 0; i + 1 < all.length; i++) {
        const n = await compareFaces(all[i], all[i + 1], { calibration });
        const p = same.comparisons[i];
        assert.ok(
          Math.abs(p.distance - n.distance) <= 2e-3,
          `pair ${i}: distance ${p.distance} vs ${n.distance}`,
        );
        assert.ok(
          Math.abs(p.similarity - n.similarity!) <= 5e-3,
          `pair ${i}: similarity ${p.similarity} vs ${n.similarity}`,
        );
      }
      assert.deepEqual(same.odd?.pair, oddOneOut(all[0], all[1], all[2]).pair);

      // The photos decoded by Chromium itself (<img>): its JPEG decoder against sharp's.
      const decoded = await pageFaces(detectorName);
      const worstDecoded = assertSameFaces(decoded.faces, node, 'decoded');
      console.log(
        `# ${detectorName}: with Chromium's JPEG decoding, largest difference ${worstDecoded.toExponential(2)}`,
      );

      const origin = new URL(server.url('/')).origin;
      const foreign = requests.filter(
        (u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'),
      );
      assert.deepEqual(foreign, [], 'every request goes to the page’s own origin');
      assert.ok(
        requests.some((u) => u.endsWith('.wasm')),
        'the wasm binary came from the page’s server',
      );
      assert.deepEqual(pageErrors, []);
    },
  );
}

test(
  'float16 weights (build-web --float16): the page embeds within 0.002 of Node with float32 weights',
  { skip, timeout: 300_000 },
  async () => {
    const { server } = setup!;
    const { writeFloat16Model } = await import('../src/models/index.js');
    const { defaultModelPath } = await import('../src/core/index.js');
    const models = await mkdtemp(join(tmpdir(), 'exprsim-models16-'));
    await cp(join(REPO, 'models', 'mtcnn'), join(models, 'mtcnn'), { recursive: true });
    await writeFloat16Model(defaultModelPath(), join(models, 'exprsim-default'));
    const half = await serveStatic({
      '/': { text: INDEX_HTML, type: 'text/html' },
      '/dist/': server.mounts['/dist/'],
      '/models/': models,
    });
    try {
      const node = await nodeFaces('mtcnn');
      const { readImage } = await import('../src/image/index.js');
      const pixels = [];
      for (const p of PHOTOS) {
        const img = await readImage(join(REPO, p));
        pixels.push({ data: [...img.data], width: img.width, height: img.height });
      }
      const page = await pageFaces('mtcnn', pixels, half);
      assert.ok(half.requested.includes('/models/exprsim-default/weights.bin'));
      let worst = 0;
      for (let i = 0; i < node.length; i++) {
        assert.equal(page.faces[i].length, node[i].length, `${PHOTOS[i]}: face count`);
        for (let j = 0; j < node[i].length; j++) {
          const a: number[] = page.faces[i][j].embedding;
          const b = node[i][j].embedding;
          worst = Math.max(worst, Math.hypot(...a.map((v, d) => v - b[d])));
        }
      }
      console.log(
        `# float16 page vs float32 Node: largest embedding distance ${worst.toExponential(2)}`,
      );
      // The same bound as src/models/float16.test.ts (Node, float16 vs float32).
      assert.ok(worst <= 0.002, `largest distance ${worst}`);
      assert.ok(worst > 0, 'the page ran the float16 weights');
    } finally {
      await half.close();
      await rm(models, { recursive: true, force: true });
    }
  },
);

test(
  'the page picks WebGL, else wasm, and says why; wasm threads only when cross-origin isolated',
  { skip, timeout: 120_000 },
  async () => {
    const { server, browser } = setup!;
    const probe = async (url: string) => {
      const page = await browser.newPage();
      await page.goto(url);
      const r = await page.evaluate(async () => {
        const x = await import('/dist/exprsim.js' as string);
        const auto = await x.init({ modelBaseUrl: '/models' });
        const autoLines = await x.engineLines();
        const wasm = await x.init({ backend: 'wasm', threads: 2 });
        return { auto, autoLines, wasm, isolated: globalThis.crossOriginIsolated };
      });
      await page.close();
      return r;
    };
    const plain = await probe(server.url('/'));
    assert.equal(plain.isolated, false);
    console.log(`# automatic choice: ${plain.autoLines.slice(1).join('; ')}`);
    const first = plain.auto.attempts[0];
    assert.equal(first.backend, 'webgl');
    if (plain.auto.backend === 'webgl') {
      assert.equal(plain.auto.reason, 'first preference');
      assert.ok(plain.auto.webglVersion >= 1);
    } else {
      // Headless: no GPU, so no WebGL context or a software one (SwiftShader), and it says so.
      assert.equal(first.ok, false);
      assert.match(first.detail, /no WebGL context|software-rendered/);
      assert.equal(plain.auto.backend, 'wasm');
      assert.equal(plain.auto.reason, 'fallback: webgl unavailable');
      assert.match(plain.autoLines.join('\n'), /webgl: unavailable: /);
    }
    assert.equal(plain.wasm.backend, 'wasm');
    assert.equal(plain.wasm.simd, true, 'Chromium has wasm SIMD');
    assert.equal(plain.wasm.threads, 1);
    assert.match(plain.wasm.threadsDetail, /not cross-origin isolated/);
    assert.ok(!server.requested.includes('/dist/tfjs-backend-wasm-threaded-simd.wasm'));

    // Served with COOP/COEP, the page is isolated: SharedArrayBuffer, so wasm runs threaded.
    const isolatedServer = await serveStatic(
      {
        '/': { text: INDEX_HTML, type: 'text/html' },
        '/dist/': server.mounts['/dist/'],
        '/models/': join(REPO, 'models'),
      },
      {
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      },
    );
    try {
      const iso = await probe(isolatedServer.url('/'));
      assert.equal(iso.isolated, true);
      assert.equal(iso.wasm.backend, 'wasm');
      // The threaded SIMD binary runs (how many threads its pool gets is the browser's say:
      // tfjs asks for 2; a 2-core machine may give one).
      assert.ok(iso.wasm.threads >= 1);
      assert.ok(isolatedServer.requested.includes('/dist/tfjs-backend-wasm-threaded-simd.wasm'));
      assert.match(iso.wasm.threadsDetail, /cross-origin isolated\)$/);
      console.log(`# isolated page: wasm ${iso.wasm.threadsDetail}`);
    } finally {
      await isolatedServer.close();
    }
  },
);
