/**
 * The detector comparison behind `exprsim detect-bench`: detection rate, recall and precision at
 * IoU >= 0.5 and median time per image, on labelled sets. Pure library code: it reads the data,
 * runs the detectors and returns numbers; the CLI prints them, and `npm run bench -- detect`
 * renders them into docs/detect-bench.md and BENCHMARKS.md (bench/detect-report.ts).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { ExprsimError } from '../core/errors.js';
import { readImage } from '../image/read.js';
import type { RawImage } from '../image/types.js';
import type { ProgressCallback } from '../core/progress.js';
import { iou } from './geometry.js';
import { createDetector } from './registry.js';
import { DEFAULT_DETECT_BENCH } from './defaults.js';
import type { DetectedFace, DetectorName, FaceBox } from '../core/face.js';

export interface GroundTruthBox extends FaceBox {
  /** Scored faces count for recall; ignored ones neither count nor make false positives. */
  ignore: boolean;
}

export interface MatchResult {
  truePositives: number;
  falsePositives: number;
  /** Scored ground-truth faces. */
  faces: number;
  /** For each scored face, whether a detection matched it. */
  matched: boolean[];
}

/**
 * Greedy matching at IoU >= `threshold`, detections in score order: a detection takes the unmatched
 * scored face it overlaps most; failing that, one overlapping an ignore region is dropped;
 * anything else is a false positive.
 */
export function matchDetections(
  detections: readonly DetectedFace[],
  truth: readonly GroundTruthBox[],
  threshold = 0.5,
): MatchResult {
  const scored = truth.filter((t) => !t.ignore);
  const ignored = truth.filter((t) => t.ignore);
  const matched = scored.map(() => false);
  let tp = 0;
  let fp = 0;
  const order = [...detections].sort((a, b) => b.score - a.score);
  for (const d of order) {
    let best = -1;
    let bestIou = threshold;
    scored.forEach((t, i) => {
      if (matched[i]) return;
      const v = iou(d.box, t);
      if (v >= bestIou) {
        best = i;
        bestIou = v;
      }
    });
    if (best >= 0) {
      matched[best] = true;
      tp++;
    } else if (!ignored.some((t) => iou(d.box, t) >= threshold)) {
      fp++;
    }
  }
  return { truePositives: tp, falsePositives: fp, faces: scored.length, matched };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Manual face counts of ../shared/data/photos (from its SOURCE.md). */
export const PHOTO_COUNTS: Readonly<Record<string, number>> = {
  'sample1.jpg': 3,
  'sample2.jpg': 3,
  'sample3.jpg': 3,
  'sample4.jpg': 4,
  'sample5.jpg': 5,
  'sample6.jpg': 4,
  'tracking-faces.jpg': 3,
  'skimage-astronaut.png': 1,
  'opencv-messi5.jpg': 1,
};

/** Defaults: {@link DEFAULT_DETECT_BENCH}. */
export interface DetectBenchOptions {
  /** The shared data folder (holds fer2013/, wider-val-subset/, photos/). Default ../shared/data. */
  dataDir?: string;
  /** Default: every detector. */
  detectors?: readonly DetectorName[];
  /** FER2013 PrivateTest crops to use (evenly spaced over the list). Default 500. */
  ferSample?: number;
  /** Black border added around each 48x48 crop, as a fraction of its side. Default 0.25. */
  ferPadding?: number;
  /** WIDER images to use (first N, sorted). Default all 293. */
  widerLimit?: number;
  /** A 256-px image for the per-crop speed figure (the repo's fixture). */
  speedImage256?: string;
  onProgress?: ProgressCallback;
}

export interface SetResult {
  images: number;
  /** Share of images where at least one face was found (FER: where the face was found). */
  detectionRate: number;
  recall?: number;
  precision?: number;
  falsePositivesPerImage?: number;
  recallBySize?: { range: string; faces: number; recall: number }[];
  medianMs: number;
  /** The detector options used on this set. */
  config: Record<string, unknown>;
}

export interface PhotoResult {
  file: string;
  counted: number;
  found: number;
}

export interface DetectorBench {
  detector: DetectorName;
  fer2013?: SetResult;
  wider?: SetResult;
  photos?: SetResult & { perImage: PhotoResult[] };
  speed: { medianMs1920?: number; medianMs256?: number };
}

export interface DetectBenchResult {
  date: string;
  options: { ferSample: number; ferPadding: number; widerLimit: number };
  results: DetectorBench[];
}

/** Options per set: WIDER needs the small faces (20 px, any image size), the others defaults. */
const WIDER_CONFIG: Record<DetectorName, Record<string, unknown>> = {
  mtcnn: { minFaceRatio: 0 },
  'viola-jones': { minSize: 20, minSizeRatio: 0 },
  blazeface: { tiles: true },
};

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

async function readCsv(path: string): Promise<string[][]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ExprsimError('E_DATA_MISSING_FILES', 'benchmark annotations not found', {
      input: path,
      fix: 'pass `dataDir` pointing at the shared data folder (holds fer2013/, wider-val-subset/, photos/)',
      option: 'dataDir',
      cause: e,
    });
  }
  return text
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));
}

/**
 * `n` FER2013 PrivateTest crops, evenly spaced over the labels file, each framed by `padding` ×
 * 48 px of black (detectors rarely find a face that fills the image), decoded as RGB.
 */
export async function loadFerSample(
  dataDir: string,
  n: number,
  padding: number,
): Promise<RawImage[]> {
  const ferRows = (await readCsv(join(dataDir, 'fer2013', 'labels.csv'))).filter(
    (r) => r[2] === 'PrivateTest',
  );
  const step = Math.max(1, ferRows.length / Math.max(1, n));
  const ferFiles: string[] = [];
  for (let i = 0; ferFiles.length < Math.min(n, ferRows.length); i += step) {
    ferFiles.push(join(dataDir, 'fer2013', ferRows[Math.floor(i)][0]));
  }
  const pad = Math.round(48 * padding);
  const fer: RawImage[] = [];
  for (const f of ferFiles) {
    const bytes = await sharp(f)
      .extend({ top: pad, bottom: pad, left: pad, right: pad, background: '#000' })
      .png()
      .toBuffer();
    fer.push(await readImage(bytes, { channels: 3 }));
  }
  return fer;
}

type Tick = (label: string) => void;

/** WIDER ground truth by image file, from the subset's annotations.csv. */
async function loadWiderTruth(dataDir: string): Promise<Map<string, GroundTruthBox[]>> {
  const widerRows = await readCsv(join(dataDir, 'wider-val-subset', 'annotations.csv'));
  const widerTruth = new Map<string, GroundTruthBox[]>();
  for (const r of widerRows) {
    const [image, x, y, w, h, flag] = r;
    const list = widerTruth.get(image) ?? [];
    list.push({ x: +x, y: +y, width: +w, height: +h, ignore: flag !== 'ok' });
    widerTruth.set(image, list);
  }
  return widerTruth;
}

/** FER2013: one tight face per crop; the crop itself is the ground truth. */
async function benchFer(
  name: DetectorName,
  fer: readonly RawImage[],
  pad: number,
  tick: Tick,
): Promise<SetResult> {
  const det = await createDetector(name);
  const ms: number[] = [];
  let found = 0;
  let hits = 0;
  let fp = 0;
  for (const img of fer) {
    const { value, ms: t } = await timed(() => det.detectFaces(img));
    ms.push(t);
    if (value.length > 0) found++;
    const m = matchDetections(value, [{ x: pad, y: pad, width: 48, height: 48, ignore: false }]);
    hits += m.truePositives;
    fp += m.falsePositives;
    tick(`${name} fer2013`);
  }
  const result: SetResult = {
    images: fer.length,
    detectionRate: found / fer.length,
    recall: hits / fer.length,
    precision: hits + fp > 0 ? hits / (hits + fp) : NaN,
    medianMs: median(ms),
    config: { ...det.config },
  };
  det.dispose();
  return result;
}

/** WIDER: recall on `ok` faces, ignore regions, false positives per image, recall by size. */
async function benchWider(
  name: DetectorName,
  dataDir: string,
  widerFiles: readonly string[],
  widerTruth: ReadonlyMap<string, GroundTruthBox[]>,
  tick: Tick,
): Promise<SetResult> {
  const det = await createDetector(name, WIDER_CONFIG[name]);
  const ms: number[] = [];
  let tp = 0;
  let fp = 0;
  let faces = 0;
  let withFace = 0;
  const bins = [20, 40, 80, 160, Infinity];
  const binFaces = bins.slice(1).map(() => 0);
  const binHits = bins.slice(1).map(() => 0);
  for (const file of widerFiles) {
    const img = await readImage(join(dataDir, 'wider-val-subset', 'images', file));
    const truth = widerTruth.get(file) ?? [];
    const { value, ms: t } = await timed(() => det.detectFaces(img));
    ms.push(t);
    if (value.length > 0) withFace++;
    const m = matchDetections(value, truth);
    tp += m.truePositives;
    fp += m.falsePositives;
    faces += m.faces;
    truth
      .filter((g) => !g.ignore)
      .forEach((g, i) => {
        const b = bins.findIndex((lo, k) => g.height >= lo && g.height < bins[k + 1]);
        if (b < 0) return;
        binFaces[b]++;
        if (m.matched[i]) binHits[b]++;
      });
    tick(`${name} wider`);
  }
  const result: SetResult = {
    images: widerFiles.length,
    detectionRate: withFace / widerFiles.length,
    recall: faces > 0 ? tp / faces : NaN,
    precision: tp + fp > 0 ? tp / (tp + fp) : NaN,
    falsePositivesPerImage: fp / widerFiles.length,
    recallBySize: binFaces.map((n, b) => ({
      range: `${bins[b]}-${bins[b + 1] === Infinity ? '' : bins[b + 1]} px`.replace('- px', '+ px'),
      faces: n,
      recall: n > 0 ? binHits[b] / n : NaN,
    })),
    medianMs: median(ms),
    config: { ...det.config },
  };
  det.dispose();
  return result;
}

/** Shared photos: faces found against a person's count; speed on the 1920-px ones. */
async function benchPhotos(
  name: DetectorName,
  dataDir: string,
  photoFiles: readonly string[],
  speedImage256: string | undefined,
  tick: Tick,
): Promise<Pick<DetectorBench, 'photos' | 'speed'>> {
  const det = await createDetector(name);
  const per: PhotoResult[] = [];
  const ms: number[] = [];
  const ms1920: number[] = [];
  for (const file of photoFiles) {
    const img = await readImage(join(dataDir, 'photos', file));
    await det.detectFaces(img); // warm-up: first calls compile kernels
    const { value, ms: t } = await timed(() => det.detectFaces(img));
    ms.push(t);
    if (img.width === 1920) ms1920.push(t);
    per.push({ file, counted: PHOTO_COUNTS[file], found: value.length });
    tick(`${name} photos`);
  }
  const counted = per.reduce((n, p) => n + p.counted, 0);
  const foundCapped = per.reduce((n, p) => n + Math.min(p.found, p.counted), 0);
  const photos = {
    images: per.length,
    detectionRate: per.filter((p) => p.found > 0).length / per.length,
    recall: foundCapped / counted,
    medianMs: median(ms),
    config: { ...det.config },
    perImage: per,
  };
  const speed: DetectorBench['speed'] = { medianMs1920: median(ms1920) };
  if (speedImage256 !== undefined) {
    const img = await readImage(speedImage256);
    await det.detectFaces(img);
    const t: number[] = [];
    for (let i = 0; i < 15; i++) t.push((await timed(() => det.detectFaces(img))).ms);
    speed.medianMs256 = median(t);
  }
  det.dispose();
  return { photos, speed };
}

/** Runs every detector over the sets. Several minutes for the full WIDER subset. */
export async function runDetectBench(options: DetectBenchOptions): Promise<DetectBenchResult> {
  const names = options.detectors ?? DEFAULT_DETECT_BENCH.detectors;
  const ferSample = options.ferSample ?? DEFAULT_DETECT_BENCH.ferSample;
  const ferPadding = options.ferPadding ?? DEFAULT_DETECT_BENCH.ferPadding;
  const dataDir = resolve(options.dataDir ?? DEFAULT_DETECT_BENCH.dataDir);
  const { onProgress } = options;

  // Load the sets once (decoded), shared by every detector.
  const fer = await loadFerSample(dataDir, ferSample, ferPadding);
  const pad = Math.round(48 * ferPadding);

  const widerTruth = await loadWiderTruth(dataDir);
  const widerFiles = [...widerTruth.keys()].sort().slice(0, options.widerLimit ?? Infinity);

  const photoFiles = Object.keys(PHOTO_COUNTS);
  const total = names.length * (fer.length + widerFiles.length + photoFiles.length);
  let done = 0;
  const tick: Tick = (label) => onProgress?.({ done: ++done, total, label });

  const results: DetectorBench[] = [];
  for (const name of names) {
    const bench: DetectorBench = { detector: name, speed: {} };
    bench.fer2013 = await benchFer(name, fer, pad, tick);
    bench.wider = await benchWider(name, dataDir, widerFiles, widerTruth, tick);
    const { photos, speed } = await benchPhotos(
      name,
      dataDir,
      photoFiles,
      options.speedImage256,
      tick,
    );
    bench.photos = photos;
    Object.assign(bench.speed, speed);
    results.push(bench);
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    options: { ferSample: fer.length, ferPadding, widerLimit: widerFiles.length },
    results,
  };
}
