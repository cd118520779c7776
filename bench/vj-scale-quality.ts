/**
 * Viola-Jones quality at several scale factors, on the sets and with the matching of
 * `exprsim detect-bench` (src/detect/bench.ts), which has no option for a detector config:
 * - FER2013 PrivateTest: the same 500 evenly spaced crops with a 25% black border, default config;
 * - the shared photos: faces found against the manual counts, default config;
 * - WIDER subset: recall / precision at IoU 0.5 with detect-bench's small-face config
 *   (minSize 20, minSizeRatio 0); every setting runs on each decoded image, order rotated, so the
 *   per-image time ratios to the first setting are same-run figures.
 * A developer tool (about 5 minutes per setting, most of it WIDER); prints one JSON line:
 *
 *   node --import tsx bench/vj-scale-quality.ts [--scale-factors 1.1,1.15,1.2] [--data ../shared/data]
 *     [--fer-sample 500] [--wider-limit 293]
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createDetector,
  initEngine,
  loadFerSample,
  matchDetections,
  PHOTO_COUNTS,
  readImage,
  type GroundTruthBox,
} from '../src/index.js';
import { arg } from './args.js';
import { median, quantile } from './stats.js';

const root = new URL('..', import.meta.url).pathname;
const factors = arg('scale-factors', '1.1,1.15,1.2').split(',').map(Number);
const dataDir = resolve(root, arg('data', '../shared/data'));
const ferSample = Number(arg('fer-sample', '500'));
const widerLimit = Number(arg('wider-limit', 'Infinity'));
const log = (s: string) => process.stderr.write(`vj-scale-quality: ${s}\n`);

const csv = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));

const started = performance.now();
const engine = await initEngine();
const out = factors.map((scaleFactor) => ({ scaleFactor }) as Record<string, unknown>);

// FER2013 PrivateTest, sampled and padded as src/detect/bench.ts does.
const FER_PADDING = 0.25;
const fer = await loadFerSample(dataDir, ferSample, FER_PADDING);
const pad = Math.round(48 * FER_PADDING);
for (const [k, scaleFactor] of factors.entries()) {
  const det = await createDetector('viola-jones', { scaleFactor });
  let found = 0;
  let hits = 0;
  let fp = 0;
  for (const img of fer) {
    const faces = await det.detectFaces(img);
    if (faces.length > 0) found++;
    const m = matchDetections(faces, [{ x: pad, y: pad, width: 48, height: 48, ignore: false }]);
    hits += m.truePositives;
    fp += m.falsePositives;
  }
  det.dispose();
  Object.assign(out[k], {
    fer: {
      crops: fer.length,
      found: found / fer.length,
      recall: hits / fer.length,
      precision: hits / (hits + fp),
    },
  });
  log(`scaleFactor ${scaleFactor}: FER found ${((100 * found) / fer.length).toFixed(1)}%`);
}

// Shared photos: faces found against the manual counts (capped at the count), default config.
for (const [k, scaleFactor] of factors.entries()) {
  const det = await createDetector('viola-jones', { scaleFactor });
  const perImage: Record<string, number> = {};
  let capped = 0;
  let counted = 0;
  for (const [file, count] of Object.entries(PHOTO_COUNTS)) {
    const n = (await det.detectFaces(await readImage(join(dataDir, 'photos', file)))).length;
    perImage[file] = n;
    capped += Math.min(n, count);
    counted += count;
  }
  det.dispose();
  Object.assign(out[k], { photos: { recall: capped / counted, counted, perImage } });
  log(`scaleFactor ${scaleFactor}: photos ${capped}/${counted}`);
}

// WIDER subset: every setting on each image, order rotated; times paired with the first setting.
const truth = new Map<string, GroundTruthBox[]>();
for (const [image, x, y, w, h, flag] of await csv(
  join(dataDir, 'wider-val-subset', 'annotations.csv'),
)) {
  const list = truth.get(image) ?? [];
  list.push({ x: +x, y: +y, width: +w, height: +h, ignore: flag !== 'ok' });
  truth.set(image, list);
}
const files = [...truth.keys()].sort().slice(0, widerLimit);
const dets = await Promise.all(
  factors.map((scaleFactor) =>
    createDetector('viola-jones', { scaleFactor, minSize: 20, minSizeRatio: 0 }),
  ),
);
const acc = factors.map(() => ({ tp: 0, fp: 0, faces: 0, ms: [] as number[] }));
for (const [i, file] of files.entries()) {
  const img = await readImage(join(dataDir, 'wider-val-subset', 'images', file));
  const gt = truth.get(file) ?? [];
  for (let j = 0; j < factors.length; j++) {
    const k = (i + j) % factors.length;
    const t0 = performance.now();
    const faces = await dets[k].detectFaces(img);
    acc[k].ms.push(performance.now() - t0);
    const m = matchDetections(faces, gt);
    acc[k].tp += m.truePositives;
    acc[k].fp += m.falsePositives;
    acc[k].faces += m.faces;
  }
  if (i % 50 === 49) log(`WIDER ${i + 1}/${files.length}`);
}
for (const d of dets) d.dispose();
for (const [k, a] of acc.entries()) {
  const ratios = a.ms.map((t, i) => t / acc[0].ms[i]);
  Object.assign(out[k], {
    wider: {
      images: files.length,
      faces: a.faces,
      recall: a.tp / a.faces,
      precision: a.tp / (a.tp + a.fp),
      falsePositivesPerImage: a.fp / files.length,
      medianMs: median(a.ms),
      pairedRatioToFirst: {
        median: median(ratios),
        p10: quantile(ratios, 0.1),
        p90: quantile(ratios, 0.9),
      },
    },
  });
}

process.stdout.write(
  `${JSON.stringify({
    tool: 'vj-scale-quality',
    engine: engine.backend,
    seconds: (performance.now() - started) / 1000,
    results: out,
  })}\n`,
);
