/**
 * Extraction into a feature cache (format in ./cache-format.ts): options checked once, the
 * manifest written first (a rerun checks it continues the same job), then shard by shard, each
 * data file and index written to a temporary name and renamed, index last.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { FaceFinder } from '../core/face.js';
import { writeFileAtomic } from '../core/fs.js';
import { packageVersion } from '../core/paths.js';
import type { ProgressCallback } from '../core/progress.js';
import type { RawImage } from '../image/types.js';
import {
  CACHE_FORMAT,
  CACHE_FORMAT_VERSION,
  CACHE_MANIFEST,
  cacheKey,
  shardData,
  shardDone,
  shardIndex,
  type FeatureCacheManifest,
  type ShardIndex,
} from './cache-format.js';
import type { FeatureItem } from './dataset.js';
import { DEFAULT_FEATURES } from './defaults.js';
import { float32ToFloat16Bytes } from './float16.js';
import { isNoFace, loadFace, serialise } from './load-face.js';
import { checkResume, readExistingManifest } from './resume.js';
import { canonicalJson, parsePreprocess, type FeaturePreprocess } from './preprocess.js';
import type { Backbone } from './types.js';

export interface ExtractFeaturesOptions {
  backbone: Backbone;
  items: readonly FeatureItem[];
  /** Source name → root, recorded in the manifest. */
  sources?: Record<string, string>;
  outDir: string;
  /**
   * How images become backbone input; default the backbone's own record (whole images, no
   * mask). Size, channels and normalisation must be the backbone's; make one with
   * `resolvePreprocessConfig({ detector: 'mtcnn', align: 'five-point', mask: 'ellipse' },
   * backbone.preprocess)`.
   */
  preprocess?: FeaturePreprocess;
  /**
   * Finds the face in each image, for detector records (required then, and its name must be the
   * record's `crop.detector`). The highest-scoring face of each image is used; images without
   * one are skipped ("no face found").
   */
  detector?: FaceFinder;
  /**
   * Mirror every prepared face left to right before the backbone (the manifest says `mirror`):
   * a cache of the mirrored view. Default false.
   */
  mirror?: boolean;
  /** Faces per shard; default `DEFAULT_FEATURES.shardSize` (1024). */
  shardSize?: number;
  /** Faces per forward pass; default `DEFAULT_FEATURES.batchSize` (32). */
  batchSize?: number;
  onProgress?: ProgressCallback;
}

export interface ExtractFeaturesResult {
  dir: string;
  manifest: FeatureCacheManifest;
  /** Shards computed now, and shards found done and skipped (resume). */
  shardsWritten: number;
  shardsReused: number;
  /** Faces stored in the whole cache. */
  stored: number;
  /** Unreadable images: count and the first few. */
  skipped: { count: number; first: { key: string; path: string; reason: string }[] };
  /** FaceFinder crops: see {@link FeatureCacheManifest.detection}. */
  detection?: FeatureCacheManifest['detection'];
  /** Bytes of all shard data files. */
  bytes: number;
}

/** The options of one extraction, checked and resolved once. */
interface Extraction {
  backbone: Backbone;
  items: readonly FeatureItem[];
  outDir: string;
  shardSize: number;
  batchSize: number;
  pre: FeaturePreprocess;
  detector: FaceFinder | undefined;
  /** The detector's search, one image at a time; undefined for whole-image records. */
  detect: FaceFinder['detectFaces'] | undefined;
  mirror: boolean;
  /** Bytes of one face's float16 map. */
  faceBytes: number;
  /** Keys are prefixed with their source (the images come from several). */
  multi: boolean;
}

/** Checks that `pre` makes input the backbone reads, and the detector it needs. E_BAD_OPTION. */
function checkRecord(
  pre: FeaturePreprocess,
  backbone: Backbone,
  detector: FaceFinder | undefined,
): void {
  const own = backbone.preprocess;
  const [h, w, c] = backbone.inputShape;
  if (
    pre.size[0] !== h ||
    pre.size[1] !== w ||
    pre.channels !== c ||
    canonicalJson(pre.normalise) !== canonicalJson(own.normalise)
  ) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `the preprocessing gives ${pre.size.join('x')}x${pre.channels} faces normalised by ${canonicalJson(pre.normalise)}; ${backbone.name} reads ${h}x${w}x${c}, ${canonicalJson(own.normalise)}`,
      {
        fix: 'resolve the preprocessing config with the backbone’s record as its base',
        option: 'preprocess',
      },
    );
  }
  if (pre.crop.kind === 'detector') {
    if (detector === undefined) {
      throw new ExprsimError('E_BAD_OPTION', 'detector crops need a detector', {
        input: pre.crop.detector,
        fix: `pass \`detector\`: await createDetector('${pre.crop.detector}')`,
        option: 'detector',
      });
    }
    if (detector.name !== pre.crop.detector) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `the record names detector ${pre.crop.detector}, the detector given is ${detector.name}`,
        { input: detector.name, fix: 'use the detector the record names', option: 'detector' },
      );
    }
  } else if (detector !== undefined) {
    throw new ExprsimError('E_BAD_OPTION', 'a detector was given for whole-image crops', {
      input: detector.name,
      fix: "resolve the preprocessing with crop: 'detector' (or drop the detector)",
      option: 'detector',
    });
  }
}

/** Step 1: the options, checked (E_BAD_OPTION, E_DATA_EMPTY) and resolved. */
function resolveExtraction(options: ExtractFeaturesOptions): Extraction {
  const { backbone, items, outDir } = options;
  const shardSize = options.shardSize ?? DEFAULT_FEATURES.shardSize;
  const batchSize = options.batchSize ?? DEFAULT_FEATURES.batchSize;
  for (const [key, v] of [
    ['shardSize', shardSize],
    ['batchSize', batchSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ExprsimError('E_BAD_OPTION', `\`${key}\` must be a whole number ≥ 1, got ${v}`, {
        input: String(v),
        option: key,
      });
    }
  }
  if (items.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'no images to extract features from', { input: outDir });
  }
  const pre =
    options.preprocess === undefined
      ? backbone.preprocess
      : parsePreprocess(options.preprocess, 'extractFeatures preprocess');
  checkRecord(pre, backbone, options.detector);
  const detector = options.detector;
  const detect =
    detector === undefined || pre.crop.kind !== 'detector'
      ? undefined
      : serialise((img: RawImage) => detector.detectFaces(img));
  const mirror = options.mirror ?? DEFAULT_FEATURES.mirror;
  if (typeof mirror !== 'boolean') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`mirror\` must be true or false, got ${String(mirror)}`,
      { input: String(mirror), option: 'mirror' },
    );
  }
  const shape = backbone.featureShape;
  return {
    backbone,
    items,
    outDir,
    shardSize,
    batchSize,
    pre,
    detector,
    detect,
    mirror,
    faceBytes: shape[0] * shape[1] * shape[2] * 2,
    multi: new Set(items.map((i) => i.source)).size > 1,
  };
}

/** A detector's resolved config, when it has one (src/detect's detectors do). */
function detectorConfig(d: FaceFinder): { config?: Record<string, unknown> } {
  const config = (d as { config?: unknown }).config;
  return typeof config === 'object' && config !== null && !Array.isArray(config)
    ? { config: JSON.parse(JSON.stringify(config)) as Record<string, unknown> }
    : {};
}

function keysHash(items: readonly FeatureItem[]): string {
  const h = createHash('sha256');
  for (const it of items) h.update(`${it.source}\n${it.key}\n`);
  return h.digest('hex');
}

/** Step 2: the manifest this run writes (not complete yet). */
function newManifest(x: Extraction, sources: Record<string, string> = {}): FeatureCacheManifest {
  const { backbone, detector } = x;
  return {
    format: CACHE_FORMAT,
    formatVersion: CACHE_FORMAT_VERSION,
    backbone: {
      ...backbone.ref(),
      weightsSha256: backbone.weightsSha256,
      layer: backbone.config.layer,
      inputSize: backbone.config.inputSize,
    },
    preprocess: x.pre,
    ...(x.detect !== undefined && detector !== undefined
      ? { detector: { name: detector.name, ...detectorConfig(detector) } }
      : {}),
    ...(x.mirror ? { mirror: true as const } : {}),
    shape: backbone.featureShape,
    dtype: 'float16',
    byteOrder: 'little',
    shardSize: x.shardSize,
    count: x.items.length,
    keysSha256: keysHash(x.items),
    sources,
    sourcePrefixedKeys: x.multi,
    shards: Math.ceil(x.items.length / x.shardSize),
    complete: false,
    created: new Date().toISOString(),
    exprsimVersion: packageVersion(),
  };
}

/** Step 3: the output folder, without the stale temporary files of a killed run. */
async function prepareOutDir(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  // A stale temporary file is never a done shard; remove them.
  for (const f of await readdir(outDir)) {
    if (f.startsWith('.') && f.endsWith('.tmp')) await rm(join(outDir, f), { force: true });
  }
}

/**
 * Step 4, per shard not done yet: prepares its faces, runs the backbone and writes the data
 * file, then the index. `progress(n)` is told of every n images handled.
 */
async function extractShard(
  x: Extraction,
  s: number,
  shardItems: readonly FeatureItem[],
  progress: (images: number) => void,
): Promise<ShardIndex> {
  const { batchSize, faceBytes } = x;
  const data = new Uint8Array(shardItems.length * faceBytes);
  const index: ShardIndex = { shard: s, keys: [], skipped: [], bytes: 0, sha256: '' };
  const undetected: string[] = [];
  // Decode the next batch (sharp, off the JS thread) while the backbone runs on this one.
  const load = (from: number) =>
    Promise.all(
      shardItems.slice(from, from + batchSize).map((it) => loadFace(it, x.pre, x.detect, x.mirror)),
    );
  let next = load(0);
  for (let b = 0; b < shardItems.length; b += batchSize) {
    const faces = await next;
    if (b + batchSize < shardItems.length) next = load(b + batchSize);
    const good: RawImage[] = [];
    faces.forEach((f, j) => {
      const it = shardItems[b + j];
      if (typeof f === 'string') index.skipped.push({ key: it.key, path: it.path, reason: f });
      else {
        const key = cacheKey(it.source, it.key, x.multi);
        good.push(f.image);
        index.keys.push(key);
        if (!f.detected) undetected.push(key);
      }
    });
    if (good.length > 0) {
      const values = await extractBatch(x.backbone, good);
      data.set(float32ToFloat16Bytes(values), (index.keys.length - good.length) * faceBytes);
    }
    progress(faces.length);
  }
  if (undetected.length > 0) index.undetected = undetected;
  const bytes = data.subarray(0, index.keys.length * faceBytes);
  index.bytes = bytes.length;
  index.sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFileAtomic(join(x.outDir, shardData(s)), bytes);
  await writeFileAtomic(join(x.outDir, shardIndex(s)), `${JSON.stringify(index)}\n`);
  return index;
}

/** Detector crops: images the detector ran on, faces it found, images used whole. */
interface DetectionCount {
  images: number;
  found: number;
  undetected: number;
}

/** Step 5: one shard's faces, skips and detections added to the totals. */
function countShard(result: ExtractFeaturesResult, detection: DetectionCount, s: ShardIndex) {
  const noFace = s.skipped.filter((k) => isNoFace(k.reason)).length;
  const undetected = s.undetected?.length ?? 0;
  detection.images += s.keys.length + noFace;
  detection.found += s.keys.length - undetected;
  detection.undetected += undetected;
  result.stored += s.keys.length;
  result.bytes += s.bytes;
  for (const k of s.skipped) {
    result.skipped.count++;
    if (result.skipped.first.length < 10) result.skipped.first.push(k);
  }
}

/**
 * Extracts the backbone's feature map of every item once and stores them as a sharded float16
 * cache in `outDir` (see README): `features.json`, then per shard a raw little-endian float16
 * data file and a JSON index, each written to a temporary name and renamed, index last, so a
 * killed run never leaves a shard that counts as done. A rerun skips done shards; it must use the
 * same backbone (name, weights, layer), preprocessing, shard size and image list, or it throws
 * E_CACHE_MISMATCH. Unreadable images are skipped and reported, not fatal.
 */
export async function extractFeatures(
  options: ExtractFeaturesOptions,
): Promise<ExtractFeaturesResult> {
  const x = resolveExtraction(options);
  const { items, outDir, shardSize } = x;
  const manifest = newManifest(x, options.sources);
  await prepareOutDir(outDir);
  const manifestPath = join(outDir, CACHE_MANIFEST);
  const existing = await readExistingManifest(manifestPath);
  if (existing !== undefined) {
    checkResume(existing, manifest, outDir);
    manifest.created = existing.created;
  }
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  const result: ExtractFeaturesResult = {
    dir: outDir,
    manifest,
    shardsWritten: 0,
    shardsReused: 0,
    stored: 0,
    skipped: { count: 0, first: [] },
    bytes: 0,
  };
  const detection: DetectionCount = { images: 0, found: 0, undetected: 0 };
  let done = 0;
  const total = items.length;
  const progress = (images: number) => {
    done += images;
    options.onProgress?.({ done, total, label: 'features' });
  };
  progress(0);
  for (let s = 0; s < manifest.shards; s++) {
    const shardItems = items.slice(s * shardSize, (s + 1) * shardSize);
    const found = await shardDone(outDir, s, x.faceBytes);
    if (found !== undefined) {
      result.shardsReused++;
      countShard(result, detection, found);
      progress(shardItems.length);
      continue;
    }
    countShard(result, detection, await extractShard(x, s, shardItems, progress));
    result.shardsWritten++;
  }
  manifest.complete = true;
  manifest.stored = result.stored;
  manifest.skipped = result.skipped.count;
  if (x.pre.crop.kind === 'detector') {
    const rate = detection.images > 0 ? detection.found / detection.images : 0;
    manifest.detection = { ...detection, rate };
    result.detection = manifest.detection;
  }
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return result;
}

/** Runs the backbone on prepared faces (0..255 pixels) and returns the maps as float32, in order. */
export async function extractBatch(
  backbone: Backbone,
  faces: readonly RawImage[],
): Promise<Float32Array> {
  const [h, w, c] = backbone.inputShape;
  const values = new Float32Array(faces.length * h * w * c);
  faces.forEach((f, i) => values.set(f.data, i * h * w * c));
  const x = tf.tensor4d(values, [faces.length, h, w, c]);
  try {
    const y = backbone.features(x);
    try {
      return (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
  }
}
