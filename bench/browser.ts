// exprsim/browser in headless Chromium, per backend: first load (bundle, models, backend start:
// from navigation to ready-to-embed) and faces per second (detect + prepare + embed with MTCNN
// and the default model over the repository's photos). Also the download sizes. Prints a
// markdown section for BENCHMARKS.md. Usage: node --import tsx bench/browser.ts [rounds]
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBrowser } from '../scripts/build-browser.mjs';
import { REPO } from '../test/helpers.js';
import { folderBytes } from '../src/core/fs.js';
import { writeFloat16Model } from '../src/models/index.js';
import { serveStatic } from '../test/fixtures/static-server.js';
import { CHROMIUM } from '../test/fixtures/chromium.js';

if (!existsSync(CHROMIUM)) {
  console.error(`Chromium not found at ${CHROMIUM}`);
  process.exit(1);
}
const rounds = Number(process.argv[2] ?? 2);
const PHOTOS = [
  'samples/photos/astronaut.jpg',
  'samples/photos/camera.jpg',
  'samples/photos/grace_hopper.jpg',
  'test/fixtures/detect/astronaut-256.jpg',
];

const out = await mkdtemp(join(tmpdir(), 'exprsim-bench-browser-'));
const build = await buildBrowser(join(out, 'dist'));
const load = loadavg()[0];
const server = await serveStatic({
  '/': { text: '<!doctype html><meta charset="utf-8"><body>', type: 'text/html' },
  '/dist/': join(out, 'dist'),
  '/models/': join(REPO, 'models'),
  '/photos/': REPO,
});
const { chromium } = await import('playwright-core');
const rows: string[] = [];
for (const backend of ['webgl', 'wasm', 'cpu'] as const) {
  const profile = await mkdtemp(join(tmpdir(), 'exprsim-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(600_000);
  const t0 = Date.now();
  await page.goto(server.url('/'));
  const r = await page.evaluate(
    async ({ backend, photos, rounds, t0 }) => {
      const x = await import('/dist/exprsim.js' as string);
      const engine = await x.init({ backend, modelBaseUrl: '/models' });
      const tools = await x.loadFaceTools({ detector: 'mtcnn' });
      const images = [];
      for (const p of photos) {
        const img = new Image();
        img.src = `/photos/${p}`;
        await img.decode();
        images.push(await x.imagePixels(img));
      }
      // First load: until the first photo's faces are embedded (shaders / kernels warmed).
      await tools.embedPhoto(images[0]);
      const firstLoad = Date.now() - t0;
      let faces = 0;
      const s = performance.now();
      for (let k = 0; k < rounds; k++) {
        for (const img of images) faces += (await tools.embedPhoto(img)).length;
      }
      const seconds = (performance.now() - s) / 1000;
      const embedOnly = await (async () => {
        const prepared = [];
        for (const img of images) {
          const found = await tools.detector.detectFaces(img);
          for (const f of found)
            prepared.push(await tools.embedder.prepareFace(img, f, { detector: 'mtcnn' }));
        }
        const e0 = performance.now();
        for (let k = 0; k < rounds; k++) await tools.embedder.embedPrepared(prepared);
        return (prepared.length * rounds) / ((performance.now() - e0) / 1000);
      })();
      return {
        engine,
        firstLoad,
        facesPerSecond: faces / seconds,
        embedOnly,
        faces: faces / rounds,
      };
    },
    { backend, photos: PHOTOS, rounds, t0 },
  );
  const e = r.engine;
  const detail =
    e.backend === 'wasm'
      ? `SIMD ${e.simd ? 'yes' : 'no'}, ${e.threadsDetail.split(':')[0]}`
      : e.backend === 'webgl'
        ? `WebGL ${e.webglVersion} (SwiftShader: no GPU)`
        : '';
  rows.push(
    `| ${e.backend} | ${detail} | ${(r.firstLoad / 1000).toFixed(1)} | ${r.facesPerSecond.toFixed(2)} | ${r.embedOnly.toFixed(1)} |`,
  );
  console.error(`${backend}: ${JSON.stringify(r)}`);
  await browser.close();
  await rm(profile, { recursive: true, force: true });
}
await server.close();
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;
const models = Object.fromEntries(
  await Promise.all(
    ['mtcnn', 'blazeface', 'exprsim-default'].map(async (m) => [
      m,
      await folderBytes(join(REPO, 'models', m)),
    ]),
  ),
);
// `exprsim build-web --float16`: the default model with its weights stored as float16.
const half = join(out, 'exprsim-default-float16');
await writeFloat16Model(join(REPO, 'models', 'exprsim-default'), half);
const halfBytes = await folderBytes(half);
const wasm = Object.entries(build.sizes).filter(([f]) => f.endsWith('.wasm'));
console.log(`## In the browser (exprsim/browser)

Command: \`node --import tsx bench/browser.ts ${rounds}\` · ${new Date().toISOString().slice(0, 10)} · headless Chromium (Debian), 2-core VM, load average ${load.toFixed(1)} at the start. MTCNN + the default model on the repository's ${PHOTOS.length} photos (the faces Node finds in them), ${rounds} passes after a first one.

| backend | details | first load, s | faces/s (detect + embed) | faces/s (embed only, batched) |
|---|---|---|---|---|
${rows.join('\n')}

First load: from navigation to the first photo's faces embedded (bundle, models, backend start, shader compilation). WebGL in headless Chromium here is SwiftShader (software), so it says little about a real GPU.

Download sizes (uncompressed): bundle ${mb(build.sizes['exprsim.js'])} (minified ESM, TensorFlow.js included); wasm ${wasm.map(([f, n]) => `${f} ${mb(n)}`).join(', ')} (one of them is fetched); models: MTCNN ${mb(models.mtcnn)}, BlazeFace ${mb(models.blazeface)}, exprsim-default ${mb(models['exprsim-default'])} (float32 weights, calibration.json included), ${mb(halfBytes)} with float16 weights (\`exprsim build-web --float16\`).
`);
await rm(out, { recursive: true, force: true });
