// The web app in a real browser (Debian's Chromium driven by playwright-core) against the server
// over a small real index: upload → faces outlined → click → nearest expressions, a photo picked
// from the collection, and the odd-one-out page. Each assertion compares what the page shows with
// what the API answers. Skips with a printed reason where Chromium is not installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { okJson } from './fixtures/serve/http.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkip } from './fixtures/chromium.js';

const skip = chromiumSkip('the browser tests');

interface ApiFace {
  id?: number;
  box: { x: number; y: number; width: number; height: number };
  embedding?: number[];
}
interface ApiNeighbour {
  distance: number;
  face: { id: number; path: string };
}

const setup = skip ? undefined : await start();

async function start() {
  const { chromium } = await import('playwright-core');
  const { buildIndexFixture } = await import('./fixtures/serve/index-fixture.js');
  const { createServer, listen } = await import('../src/serve/index.js');
  const fx = await buildIndexFixture();
  const app = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    model: fx.model,
    port: 0,
  });
  const base = await listen(app);
  const profile = await mkdtemp(join(tmpdir(), 'exprsim-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1300, height: 900 },
  });
  // Everything the page loads comes from the server (or blob: URLs of the upload).
  const requests: string[] = [];
  browser.on('request', (r) => requests.push(r.url()));
  const pageErrors: string[] = [];
  browser.on('weberror', (e) => pageErrors.push(e.error().message));
  after(async () => {
    await browser.close();
    await app.close();
    await fx.cleanup();
    await rm(profile, { recursive: true, force: true });
  });
  const api = okJson(base);
  return { fx, base, browser, requests, pageErrors, api };
}

/** Where screenshots go: EXPRSIM_SCREENSHOTS, else a temporary folder deleted afterwards. */
async function screenshotDir(): Promise<string> {
  const dir = process.env.EXPRSIM_SCREENSHOTS ?? (await mkdtemp(join(tmpdir(), 'exprsim-shots-')));
  await mkdir(dir, { recursive: true });
  if (process.env.EXPRSIM_SCREENSHOTS === undefined)
    after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const distancesShown = async (page: import('playwright-core').Page) =>
  page
    .getByTestId('neighbour')
    .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.distance)));

test(
  'upload a photo → its faces outlined → click one → the nearest expressions',
  { skip, timeout: 180_000 },
  async () => {
    const { fx, base, browser, api } = setup!;
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.getByTestId('photo-item').nth(2).waitFor();
    assert.equal(await page.getByTestId('photo-item').count(), 3);
    await page.getByTestId('collection-summary').filter({ hasText: '3 photos' }).waitFor();

    const file = join(fx.root, 'grace_hopper.jpg');
    const expected = await api<{ faces: ApiFace[] }>(
      '/api/faces',
      await readFile(file),
      'image/jpeg',
    );
    assert.ok(expected.faces.length >= 1);

    await page.getByTestId('upload-input').setInputFiles(file);
    await page
      .getByTestId('status')
      .filter({ hasText: /face.* found/ })
      .waitFor();
    const boxes = page.getByTestId('face-box');
    assert.equal(await boxes.count(), expected.faces.length);
    // The outline sits where the API says the face is, in photo pixels.
    const rect = await boxes
      .first()
      .locator('rect')
      .evaluate((r) => ({
        x: Number(r.getAttribute('x')),
        y: Number(r.getAttribute('y')),
        width: Number(r.getAttribute('width')),
      }));
    assert.ok(Math.abs(rect.x - expected.faces[0].box.x) < 0.5);
    assert.ok(Math.abs(rect.y - expected.faces[0].box.y) < 0.5);
    assert.ok(Math.abs(rect.width - expected.faces[0].box.width) < 0.5);
    assert.match((await page.getByTestId('photo-name').textContent()) ?? '', /grace_hopper\.jpg/);
    // The overlay covers the photo as drawn: the box lies inside the image on screen.
    const img = (await page.getByTestId('photo').boundingBox())!;
    const drawn = (await boxes.first().boundingBox())!;
    assert.ok(drawn.x >= img.x && drawn.x + drawn.width <= img.x + img.width + 1);
    assert.ok(drawn.y >= img.y && drawn.y + drawn.height <= img.y + img.height + 1);

    await boxes.first().click();
    await page.getByTestId('neighbour').first().waitFor();
    await page.getByTestId('status').filter({ hasText: 'nearest' }).waitFor();
    const search = await api<{ neighbours: ApiNeighbour[] }>('/api/search', {
      embedding: expected.faces[0].embedding,
      k: 12,
    });
    const faces = (await fx.store.stats()).faces;
    assert.equal(search.neighbours.length, Math.min(12, faces));
    const shown = await distancesShown(page);
    assert.equal(shown.length, search.neighbours.length);
    assert.deepEqual(
      shown,
      [...shown].sort((a, b) => a - b),
      'nearest first',
    );
    shown.forEach((d, i) => assert.ok(Math.abs(d - search.neighbours[i].distance) < 1e-6));
    const texts = await page.getByTestId('neighbour-distance').allTextContents();
    assert.deepEqual(
      texts,
      search.neighbours.map((n) => n.distance.toFixed(3)),
    );
    const names = await page.getByTestId('neighbour-photo').allTextContents();
    assert.deepEqual(
      names,
      search.neighbours.map((n) => n.face.path),
    );
    // The same photo is in the collection: its face is the nearest, at distance ~0.
    assert.equal(names[0], 'grace_hopper.jpg');
    assert.ok(shown[0] < 1e-3);
    // Every thumbnail loaded.
    const loaded = await page
      .getByTestId('neighbour')
      .locator('img')
      .evaluateAll((els) => els.map((e) => (e as HTMLImageElement).naturalWidth > 0));
    assert.ok(loaded.every(Boolean));

    const dir = await screenshotDir();
    await page.screenshot({ path: join(dir, 'search.png'), fullPage: true });
    await page.close();
  },
);

test(
  'pick a photo of the collection → click its face → neighbours leave the face itself out',
  { skip, timeout: 120_000 },
  async () => {
    const { base, browser, api } = setup!;
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    const photos = await api<{ photos: { id: number; path: string }[] }>('/api/photos?status=ok');
    const astronaut = photos.photos.find((p) => p.path === 'astronaut.jpg')!;
    await page.locator(`[data-testid=photo-item][data-photo-id="${astronaut.id}"]`).click();
    await page
      .getByTestId('status')
      .filter({ hasText: /face.* found/ })
      .waitFor();
    const faces = await api<{ faces: ApiFace[] }>(`/api/photos/${astronaut.id}/faces`);
    const boxes = page.getByTestId('face-box');
    assert.equal(await boxes.count(), faces.faces.length);
    await boxes.first().click();
    await page.getByTestId('status').filter({ hasText: 'nearest' }).waitFor();
    const search = await api<{ neighbours: ApiNeighbour[] }>('/api/search', {
      faceId: faces.faces[0].id,
      k: 12,
    });
    const ids = await page
      .getByTestId('neighbour')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.faceId)));
    assert.deepEqual(
      ids,
      search.neighbours.map((n) => n.face.id),
    );
    assert.ok(!ids.includes(faces.faces[0].id!));
    const shown = await distancesShown(page);
    assert.deepEqual(
      shown,
      [...shown].sort((a, b) => a - b),
    );
    await page.close();
  },
);

test(
  "odd-one-out page: pick three faces → the odd one shown is the API's",
  { skip, timeout: 120_000 },
  async () => {
    const { base, browser, api, fx } = setup!;
    const page = await browser.newPage();
    await page.goto(`${base}/odd.html`);
    const total = (await fx.store.stats()).faces;
    await page
      .getByTestId('face-choice')
      .nth(total - 1)
      .waitFor();
    assert.equal(await page.getByTestId('face-choice').count(), total);
    const choices = page.getByTestId('face-choice');
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      await choices.nth(i).click();
      ids.push(Number(await choices.nth(i).getAttribute('data-face-id')));
    }
    await page.getByTestId('picked-count').filter({ hasText: '3 of 3' }).waitFor();
    await page.getByTestId('odd-face').waitFor();
    const answer = await api<{ odd: number; oddFaceId: number; distances: { distance: number }[] }>(
      '/api/odd-one-out',
      { faceIds: ids },
    );
    const odd = page.getByTestId('odd-face');
    assert.equal(await odd.count(), 1);
    assert.equal(Number(await odd.getAttribute('data-face-id')), answer.oddFaceId);
    assert.match((await odd.textContent()) ?? '', /Odd one out/);
    assert.equal(await page.getByTestId('pair-face').count(), 2);
    assert.match(
      (await page.getByTestId('status').textContent()) ?? '',
      new RegExp(`odd one out is face ${answer.odd + 1}`),
    );
    const pairs = await page
      .getByTestId('pair-distance')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.distance)));
    assert.deepEqual(
      pairs,
      answer.distances.map((d) => d.distance).sort((a, b) => a - b),
    );
    // Unpicking one clears the verdict.
    await choices.nth(0).click();
    await page.getByTestId('picked-count').filter({ hasText: '2 of 3' }).waitFor();
    assert.equal(await page.getByTestId('odd-face').count(), 0);
    await choices.nth(0).click();
    await page.getByTestId('odd-face').waitFor();

    const dir = await screenshotDir();
    await page.screenshot({ path: join(dir, 'odd-one-out.png'), fullPage: true });
    await page.close();
  },
);

test(
  "a bad upload shows the server's message; nothing was loaded from another origin",
  { skip, timeout: 60_000 },
  async () => {
    const { base, browser, requests, pageErrors, fx } = setup!;
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.getByTestId('photo-item').first().waitFor();
    const notImage = join(fx.dir, 'notes.png');
    await (await import('node:fs/promises')).writeFile(notImage, 'not an image');
    await page.getByTestId('upload-input').setInputFiles(notImage);
    const status = page.getByTestId('status');
    await status.filter({ hasText: /not an image/ }).waitFor();
    assert.equal(await status.getAttribute('data-kind'), 'error');
    assert.equal(await page.getByTestId('stage').isHidden(), true);
    await page.close();
    const foreign = requests.filter(
      (u) => !u.startsWith(`${base}/`) && !u.startsWith('blob:') && !u.startsWith('data:'),
    );
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  },
);

test(
  'a server with a token: /?token= once, then the page lists, uploads and searches through its cookie',
  { skip, timeout: 120_000 },
  async () => {
    const { fx, browser } = setup!;
    const { createServer, listen } = await import('../src/serve/index.js');
    const token = 'web-test-token-1234';
    const guarded = await createServer({
      store: fx.store,
      embedder: fx.embedder,
      detector: fx.detector,
      model: fx.model,
      port: 0,
      token,
    });
    try {
      const base = await listen(guarded);
      const page = await browser.newPage();
      // Without the token the page is refused.
      const refused = await page.goto(`${base}/`);
      assert.equal(refused?.status(), 401);
      await page.goto(`${base}/?token=${token}`);
      // The token left the address bar; the page's own requests carry the cookie.
      assert.equal(page.url(), `${base}/`);
      await page.getByTestId('photo-item').nth(2).waitFor();
      await page.getByTestId('upload-input').setInputFiles(join(fx.root, 'astronaut.jpg'));
      await page
        .getByTestId('status')
        .filter({ hasText: /face.* found/ })
        .waitFor();
      await page.getByTestId('face-box').first().click();
      await page.getByTestId('neighbour').first().waitFor();
      const cookies = await browser.cookies(base);
      const c = cookies.find((x) => x.name === 'exprsim_token');
      assert.ok(c !== undefined && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(cookies));
      await page.close();
    } finally {
      await guarded.close();
    }
  },
);
