// The web app's on-device mode in a real browser (Debian's Chromium via playwright-core) against
// the real server over a small real index, serving the real browser bundle (built here by
// scripts/build-browser.mjs) and the index's own model. Every request the pages make is recorded
// with its body: an added photo is analysed in the page and only a JSON embedding is sent (no
// image bytes, no multipart upload), the hits equal those of the upload path for the same photo,
// nothing comes from another origin, the odd-one-out page answers with the network to the server
// cut, and with the bundle unavailable (or the mode turned off) the page uploads and says why.
// Skips with a printed reason where Chromium is not installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { okJson } from './fixtures/serve/http.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkip } from './fixtures/chromium.js';

const skip = chromiumSkip('the on-device web app tests');

/** Waits long enough for the page to load the bundle and the model on a busy 2-core machine. */
const LOAD = { timeout: 120_000 };

interface Sent {
  url: string;
  method: string;
  type: string;
  body: Buffer | null;
}
interface ApiFace {
  id?: number;
  box: { x: number; y: number; width: number; height: number };
  embedding: number[];
}
interface ApiNeighbour {
  distance: number;
  face: { id: number; path: string };
}

/** The servers' own origins: the one under test, and any a test starts beside it. */
const origins: string[] = [];
const setup = skip ? undefined : await start();

async function start() {
  const { chromium } = await import('playwright-core');
  const { buildBrowser } = await import('../scripts/build-browser.mjs');
  const { buildIndexFixture } = await import('./fixtures/serve/index-fixture.js');
  const { createServer, listen } = await import('../src/serve/index.js');
  const fx = await buildIndexFixture();
  const bundleDir = join(fx.dir, 'bundle');
  await buildBrowser(bundleDir);
  const app = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    model: fx.model,
    port: 0,
    device: { bundleDir, modelDir: join(fx.dir, 'model'), detector: 'mtcnn' },
  });
  const base = await listen(app);
  origins.push(base);
  const profile = await mkdtemp(join(tmpdir(), 'exprsim-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1300, height: 900 },
  });
  const sent: Sent[] = [];
  browser.on('request', (r: Request) =>
    sent.push({
      url: r.url(),
      method: r.method(),
      type: r.headers()['content-type'] ?? '',
      body: r.postDataBuffer(),
    }),
  );
  const pageErrors: string[] = [];
  browser.on('weberror', (e) => pageErrors.push(e.error().message));
  after(async () => {
    await browser.close();
    await app.close();
    await fx.cleanup();
    await rm(profile, { recursive: true, force: true });
  });
  const api = okJson(base);
  return { fx, base, browser, sent, pageErrors, api };
}

/** Image bytes anywhere in a body: JPEG, PNG, WebP signatures, or a multipart part. */
function carriesImage(s: Sent): boolean {
  if (/^(image\/|multipart\/)/i.test(s.type)) return true;
  const b = s.body;
  if (b === null || b.length === 0) return false;
  const hasSeq = (seq: number[]) => b.indexOf(Buffer.from(seq)) >= 0;
  return (
    hasSeq([0xff, 0xd8, 0xff]) ||
    hasSeq([0x89, 0x50, 0x4e, 0x47]) ||
    b.includes('WEBP') ||
    /Content-Disposition: form-data/i.test(b.toString('latin1'))
  );
}

function foreignRequests(): string[] {
  return setup!.sent
    .map((s) => s.url)
    .filter(
      (u) =>
        !origins.some((o) => u.startsWith(`${o}/`)) &&
        !u.startsWith('blob:') &&
        !u.startsWith('data:'),
    );
}

async function neighbourIds(page: Page): Promise<{ id: number; distance: number }[]> {
  return page.getByTestId('neighbour').evaluateAll((els) =>
    els.map((e) => ({
      id: Number((e as HTMLElement).dataset.faceId),
      distance: Number((e as HTMLElement).dataset.distance),
    })),
  );
}

/**
 * The page's hits against the server's for the same photo: the same faces in the same order,
 * except that two faces the server finds (nearly) equally far may swap; distances within the
 * page's float error (Chromium decodes the JPEG, sharp does on the server).
 */
function assertSameHits(page: { id: number; distance: number }[], server: ApiNeighbour[]) {
  assert.equal(page.length, server.length);
  assert.equal(page[0].id, server[0].face.id, 'the same top hit');
  for (let i = 0; i < page.length; i++) {
    const j = server.findIndex((n) => n.face.id === page[i].id);
    assert.ok(j >= 0, `hit ${i} (face ${page[i].id}) is one of the server's`);
    assert.ok(
      j === i || Math.abs(server[j].distance - server[i].distance) < 2e-3,
      `hit ${i}: face ${page[i].id} is the server's ${j}, not a near tie`,
    );
    assert.ok(
      Math.abs(page[i].distance - server[j].distance) < 2e-3,
      `hit ${i}: distance ${page[i].distance} vs ${server[j].distance}`,
    );
  }
}

test(
  'on this device by default: an added photo is analysed in the page, only its embedding is sent, and the hits equal the upload path’s',
  { skip, timeout: 300_000 },
  async () => {
    const { fx, base, browser, sent, api, pageErrors } = setup!;
    const health = await api<{ onDevice: { available: boolean; model: string } }>('/api/health');
    assert.equal(health.onDevice.available, true, JSON.stringify(health.onDevice));
    assert.equal(health.onDevice.model, fx.model);

    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const mode = page.getByTestId('mode');
    await page.locator('[data-testid=mode][data-mode=device]').waitFor(LOAD);
    const line = (await mode.textContent()) ?? '';
    console.log(`# ${line}`);
    assert.match(line, /On this device, backend (wasm|webgl)/);
    assert.equal(await page.getByTestId('device-toggle').isChecked(), true);
    // COOP/COEP: the page is cross-origin isolated, so wasm may run threaded.
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);

    const file = join(fx.root, 'grace_hopper.jpg');
    const uploaded = await api<{ faces: ApiFace[] }>(
      '/api/faces',
      await readFile(file),
      'image/jpeg',
    );
    assert.ok(uploaded.faces.length >= 1);

    const from = sent.length;
    await page.getByTestId('upload-input').setInputFiles(file);
    await page
      .getByTestId('status')
      .filter({ hasText: /face.* found/ })
      .waitFor(LOAD);
    const boxes = page.getByTestId('face-box');
    assert.equal(await boxes.count(), uploaded.faces.length);
    const rect = await boxes
      .first()
      .locator('rect')
      .evaluate((r) => ({ x: Number(r.getAttribute('x')), y: Number(r.getAttribute('y')) }));
    assert.ok(Math.abs(rect.x - uploaded.faces[0].box.x) <= 1.5, `box x ${rect.x}`);
    assert.ok(Math.abs(rect.y - uploaded.faces[0].box.y) <= 1.5, `box y ${rect.y}`);

    await boxes.first().click();
    await page.getByTestId('status').filter({ hasText: 'nearest' }).waitFor();
    const shown = await neighbourIds(page);

    // What left the page since the photo was added: one JSON search, no image, no upload.
    const since = sent.slice(from);
    assert.deepEqual(
      since.filter(carriesImage).map((s) => `${s.method} ${s.url}`),
      [],
      'no image bytes and no multipart upload left the page',
    );
    assert.ok(!since.some((s) => s.url.startsWith(`${base}/api/faces`) && s.method === 'POST'));
    const posts = since.filter((s) => s.method !== 'GET');
    assert.deepEqual(
      posts.map((s) => s.url),
      [`${base}/api/search`],
    );
    assert.match(posts[0].type, /^application\/json/);
    const body = JSON.parse(posts[0].body!.toString('utf8'));
    assert.deepEqual(Object.keys(body).sort(), ['embedding', 'k', 'model']);
    assert.equal(body.model, fx.model);
    assert.equal(body.embedding.length, 16);
    assert.ok(body.embedding.every((x: unknown) => typeof x === 'number' && Number.isFinite(x)));
    // The page's embedding is the server's for the same photo, to float error.
    body.embedding.forEach((x: number, d: number) =>
      assert.ok(Math.abs(x - uploaded.faces[0].embedding[d]) < 2e-3, `component ${d}`),
    );

    // The upload path's hits for the same photo.
    const server = await api<{ neighbours: ApiNeighbour[] }>('/api/search', {
      embedding: uploaded.faces[0].embedding,
      k: 12,
    });
    assertSameHits(shown, server.neighbours);

    assert.deepEqual(foreignRequests(), [], 'nothing from another origin');
    assert.ok(sent.some((s) => s.url.startsWith(`${base}/device/`) && s.url.endsWith('.wasm')));
    assert.deepEqual(pageErrors, []);
    await page.close();
  },
);

test(
  'the toggle turns it off: the photo is uploaded, the page says so, and the choice is remembered',
  { skip, timeout: 300_000 },
  async () => {
    const { fx, base, browser, sent } = setup!;
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.locator('[data-testid=mode][data-mode=device]').waitFor(LOAD);
    await page.getByTestId('device-toggle').uncheck();
    await page.locator('[data-testid=mode][data-mode=server]').waitFor();
    assert.match((await page.getByTestId('mode').textContent()) ?? '', /uploaded/);
    const from = sent.length;
    await page.getByTestId('upload-input').setInputFiles(join(fx.root, 'astronaut.jpg'));
    await page
      .getByTestId('status')
      .filter({ hasText: /face.* found/ })
      .waitFor(LOAD);
    const uploads = sent
      .slice(from)
      .filter((s) => s.method === 'POST' && s.url === `${base}/api/faces`);
    assert.equal(uploads.length, 1);
    assert.ok(carriesImage(uploads[0]), 'the upload path sends the photo');
    await page.getByTestId('face-box').first().click();
    await page.getByTestId('neighbour').first().waitFor();

    await page.reload();
    await page.locator('[data-testid=mode][data-mode=server]').waitFor();
    assert.equal(await page.getByTestId('device-toggle').isChecked(), false);
    await page.getByTestId('device-toggle').check();
    await page.locator('[data-testid=mode][data-mode=device]').waitFor(LOAD);
    await page.close();
  },
);

test(
  'without the bundle the page falls back to uploading and says why',
  { skip, timeout: 300_000 },
  async () => {
    const { fx, base, browser, sent } = setup!;
    const page = await browser.newPage();
    // A browser that cannot have the bundle: every request for it fails.
    await page.route('**/device/exprsim.js', (r) => r.abort());
    await page.goto(`${base}/`);
    await page.locator('[data-testid=mode][data-mode=server]').waitFor(LOAD);
    const line = (await page.getByTestId('mode').textContent()) ?? '';
    assert.match(line, /On the server, because on-device mode is unavailable: .*did not load/);
    const from = sent.length;
    await page.getByTestId('upload-input').setInputFiles(join(fx.root, 'grace_hopper.jpg'));
    await page
      .getByTestId('status')
      .filter({ hasText: /face.* found/ })
      .waitFor(LOAD);
    await page.getByTestId('face-box').first().click();
    await page.getByTestId('neighbour').first().waitFor();
    const since = sent.slice(from).filter((s) => s.method === 'POST');
    assert.deepEqual(
      since.map((s) => s.url),
      [`${base}/api/faces`, `${base}/api/search`],
    );
    await page.close();

    // A server that offers no on-device mode: the page says that.
    const { createServer, listen } = await import('../src/serve/index.js');
    const plain = await createServer({
      store: fx.store,
      embedder: fx.embedder,
      detector: fx.detector,
      model: fx.model,
      port: 0,
    });
    try {
      const url = await listen(plain);
      origins.push(url);
      const p2 = await browser.newPage();
      await p2.goto(`${url}/`);
      await p2.locator('[data-testid=mode][data-mode=server]').waitFor(LOAD);
      assert.match(
        (await p2.getByTestId('mode').textContent()) ?? '',
        /the server does not offer it: this server was started without on-device mode/,
      );
      assert.equal(await p2.getByTestId('device-toggle').isDisabled(), true);
      await p2.close();
    } finally {
      await plain.close();
    }
  },
);

test(
  'odd one out on this device: with the network to the server cut after load, added faces are found and the odd one is answered in the page',
  { skip, timeout: 300_000 },
  async () => {
    const { fx, base, browser, sent, api, pageErrors } = setup!;
    const page = await browser.newPage();
    await page.goto(`${base}/odd.html`);
    await page.locator('[data-testid=mode][data-mode=device]').waitFor(LOAD);
    const total = (await fx.store.stats()).faces;
    const choices = page.getByTestId('face-choice');
    await choices.nth(total - 1).waitFor();
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('[data-testid=face-choice] img')).every(
        (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
      ),
    );

    // The network to the server is gone.
    const cut = sent.length;
    await page.route('**/*', (r) => r.abort());

    const photo = join(fx.root, 'grace_hopper.jpg');
    await page.getByTestId('odd-upload').setInputFiles(photo);
    const own = page.locator('[data-testid=face-choice][data-own-face]');
    await own.first().waitFor(LOAD);
    await own.first().click();
    const ids: number[] = [];
    for (let i = 0; i < 2; i++) {
      await choices.nth(i).click();
      ids.push(Number(await choices.nth(i).getAttribute('data-face-id')));
    }
    await page.getByTestId('picked-count').filter({ hasText: '3 of 3' }).waitFor();
    await page.getByTestId('odd-face').waitFor();
    const after = sent.slice(cut).map((s) => `${s.method} ${s.url}`);
    assert.deepEqual(after, [], 'no request after the network was cut');

    // The server's answer for the same three faces (its own embedding of the same photo).
    const uploaded = await api<{ faces: ApiFace[] }>(
      '/api/faces',
      await readFile(photo),
      'image/jpeg',
    );
    const stored = await Promise.all(ids.map((id) => api<ApiFace>(`/api/faces/${id}`)));
    const answer = await api<{ odd: number; distances: { distance: number }[] }>(
      '/api/odd-one-out',
      { embeddings: [uploaded.faces[0].embedding, ...stored.map((f) => f.embedding)] },
    );
    const cards = await page
      .locator('[data-testid=odd-face], [data-testid=pair-face]')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.testid));
    assert.equal(cards.indexOf('odd-face'), answer.odd);
    const shown = await page
      .getByTestId('pair-distance')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.distance)));
    const expected = answer.distances.map((d) => d.distance).sort((a, b) => a - b);
    shown.forEach((d, i) => assert.ok(Math.abs(d - expected[i]) < 5e-3, `${d} vs ${expected[i]}`));
    assert.match(
      (await page.getByTestId('status').textContent()) ?? '',
      new RegExp(`odd one out is face ${answer.odd + 1}`),
    );
    assert.deepEqual(foreignRequests(), []);
    assert.deepEqual(pageErrors, []);
    await page.close();
  },
);
