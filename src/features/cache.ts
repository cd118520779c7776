import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { readImage } from '../image/read.js';
import { mirrorImage } from '../image/transform.js';
import type { RawImage } from '../image/types.js';
import type { BackboneRef, Shape3 } from '../core/types.js';
import { packageVersion } from '../core/paths.js';
import type { ProgressCallback } from '../core/progress.js';
import { writeFileAtomic } from '../core/fs.js';
import type { FeatureItem } from './dataset.js';
import { float16BytesToFloat32, float32ToFloat16Bytes } from './float16.js';
import { cropDetectedFace } from '../align/detect-crop.js';
import { preprocessFace } from '../align/preprocess.js';
import type { FaceFinder } from '../core/face.js';
import {
  canonicalJson,
  parsePreprocess,
  samePreprocess,
  type FeaturePreprocess,
} from './preprocess.js';
import type { Backbone } from './types.js';
import { DEFAULT_FEATURE_BATCH, DEFAULT_SHARD_SIZE } from './defaults.js';

export { DEFAULT_FEATURE_BATCH, DEFAULT_SHARD_SIZE };

export const CACHE_MANIFEST = 'features.json';
export const CACHE_FORMAT = 'exprsim-feature-cache';
export const CACHE_FORMAT_VERSION = 1;

/**
 * `features.json`: what the cache holds and how it was made. Written when extraction starts (so a
 * resumed run can check it is continuing the same job) and again with `complete: true` at the end.
 */
export interface FeatureCacheManifest {
  format: typeof CACHE_FORMAT;
  formatVersion: number;
  backbone: BackboneRef & { weightsSha256: string; layer: string; inputSize: number };
  /** How each image became backbone input (crop, alignment, mask, …): src/align's record. */
  preprocess: FeaturePreprocess;
  /** The detector that found the faces (detector crops): its name and resolved config. */
  detector?: { name: string; config?: Record<string, unknown> };
  /**
   * Every face was mirrored left to right after preprocessing, before the backbone: the mirrored
   * view of a cache of the same images, for flip augmentation and flip averaging. Absent: not.
   */
  mirror?: true;
  /** One face's map [h, w, c]. */
  shape: Shape3;
  dtype: 'float16';
  byteOrder: 'little';
  shardSize: number;
  /** Images asked for (before skipping unreadable ones). */
  count: number;
  /** sha256 of the (source, key) list in order: a resumed run must have the same list. */
  keysSha256: string;
  /** Source name → absolute root of its keys. */
  sources: Record<string, string>;
  /** Keys are `<source>:<key>` (the images come from several sources), else plain keys. */
  sourcePrefixedKeys: boolean;
  /** Shard files `shard-<i>.f16` + `shard-<i>.json`, i = 0 … shards - 1. */
  shards: number;
  complete: boolean;
  /** Faces stored and images skipped (unreadable), when complete. */
  stored?: number;
  skipped?: number;
  /**
   * FaceFinder crops, when complete: images the detector ran on (readable), and the share of them
   * where it found a face (the study's detection rate). Images without a face are skipped or,
   * with `noFace: 'whole-image'`, stored whole (`undetected`).
   */
  detection?: { images: number; found: number; undetected: number; rate: number };
  created: string;
  exprsimVersion: string;
}

/** `shard-<i>.json`, written after its data file: its presence marks the shard done. */
export interface ShardIndex {
  shard: number;
  /** Keys stored in the data file, in order (cache keys, see `cacheKey`). */
  keys: string[];
  /** Images of this shard that could not be read, with why. */
  skipped: { key: string; path: string; reason: string }[];
  /**
   * FaceFinder crops with `noFace: 'whole-image'`: the stored keys whose face the detector did not
   * find (used whole). Absent in shards written before it existed.
   */
  undetected?: string[];
  bytes: number;
  sha256: string;
}

const pad = (i: number) => String(i).padStart(5, '0');
const shardData = (i: number) => `shard-${pad(i)}.f16`;
const shardIndex = (i: number) => `shard-${pad(i)}.json`;

/** The cache key of an image: its key, prefixed with `<source>:` when the cache has several sources. */
export function cacheKey(source: string, key: string, multiSource: boolean): string {
  return multiSource ? `${source}:${key}` : key;
}

function keysHash(items: readonly FeatureItem[]): string {
  const h = createHash('sha256');
  for (const it of items) h.update(`${it.source}\n${it.key}\n`);
  return h.digest('hex');
}

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
  /** Faces per shard; default {@link DEFAULT_SHARD_SIZE}. */
  shardSize?: number;
  /** Faces per forward pass; default {@link DEFAULT_FEATURE_BATCH}. */
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

/** A detector's resolved config, when it has one (src/detect's detectors do). */
function detectorConfig(d: FaceFinder): { config?: Record<string, unknown> } {
  const config = (d as { config?: unknown }).config;
  return typeof config === 'object' && config !== null && !Array.isArray(config)
    ? { config: JSON.parse(JSON.stringify(config)) as Record<string, unknown> }
    : {};
}

/** Whether a stored record (possibly damaged, or from before align/mask) means `pre`. */
function sameStored(stored: unknown, pre: FeaturePreprocess): boolean {
  try {
    return samePreprocess(stored, pre);
  } catch {
    return false;
  }
}

function mismatch(dir: string, what: string, had: string, want: string): ExprsimError {
  return new ExprsimError(
    'E_CACHE_MISMATCH',
    `the cache was made with ${what} ${had}, this run uses ${want}`,
    {
      input: dir,
      fix: 'write to a new --out folder, or delete this one to start again',
    },
  );
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

async function shardDone(
  dir: string,
  i: number,
  faceBytes: number,
): Promise<ShardIndex | undefined> {
  let idx: ShardIndex;
  try {
    idx = (await readJson(join(dir, shardIndex(i)))) as ShardIndex;
  } catch {
    return undefined;
  }
  try {
    const st = await stat(join(dir, shardData(i)));
    if (st.size !== idx.keys.length * faceBytes || idx.bytes !== st.size) return undefined;
  } catch {
    return undefined;
  }
  return idx;
}

/** Runs detections one at a time (a detector holds big intermediate tensors). */
function serialise<A extends unknown[], R>(fn: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve();
  return (...a: A) => {
    const run = last.then(
      () => fn(...a),
      () => fn(...a),
    );
    last = run.catch(() => undefined);
    return run;
  };
}

/**
 * The skip reason of an image where the detector found no face (`<path>: no face found`), as
 * shard indexes store it: the detection rate counts these, also in shards of an earlier run.
 */
const NO_FACE = 'no face found';
const isNoFace = (reason: string) => reason.endsWith(`: ${NO_FACE}`);

/** One image prepared: its pixels, and whether a detector record's detector found the face. */
interface LoadedFace {
  image: RawImage;
  detected: boolean;
}

/** Reads and prepares one image; a reason string when it cannot be read or has no face. */
async function loadFace(
  item: FeatureItem,
  pre: FeaturePreprocess,
  detect: FaceFinder['detectFaces'] | undefined,
  mirror: boolean,
): Promise<LoadedFace | string> {
  const r = await loadUnmirrored(item, pre, detect);
  return mirror && typeof r !== 'string' ? { ...r, image: mirrorImage(r.image) } : r;
}

async function loadUnmirrored(
  item: FeatureItem,
  pre: FeaturePreprocess,
  detect: FaceFinder['detectFaces'] | undefined,
): Promise<LoadedFace | string> {
  try {
    if (pre.crop.kind === 'whole-image' || detect === undefined) {
      const img = await readImage(item.path, { channels: pre.colour === 'grey' ? 1 : 3 });
      return { image: (await preprocessFace(img, undefined, pre)).image, detected: true };
    }
    const img = await readImage(item.path, { channels: 3 });
    const r = await cropDetectedFace(img, pre, detect);
    if (r.face === undefined) return `${item.path}: ${NO_FACE}`;
    return { image: r.face.image, detected: r.detected };
  } catch (e) {
    return e instanceof ExprsimError ? e.toLine() : (e as Error).message.split('\n')[0];
  }
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
      { fix: 'resolve the preprocessing config with the backbone’s record as its base' },
    );
  }
  if (pre.crop.kind === 'detector') {
    if (detector === undefined) {
      throw new ExprsimError('E_BAD_OPTION', 'detector crops need a detector', {
        input: pre.crop.detector,
        fix: `pass detector: await createDetector('${pre.crop.detector}')`,
      });
    }
    if (detector.name !== pre.crop.detector) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `the record names detector ${pre.crop.detector}, the detector given is ${detector.name}`,
        { input: detector.name, fix: 'use the detector the record names' },
      );
    }
  } else if (detector !== undefined) {
    throw new ExprsimError('E_BAD_OPTION', 'a detector was given for whole-image crops', {
      input: detector.name,
      fix: "resolve the preprocessing with crop: 'detector' (or drop the detector)",
    });
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
  const { backbone, items, outDir } = options;
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  const batchSize = options.batchSize ?? DEFAULT_FEATURE_BATCH;
  for (const [flag, v] of [
    ['shardSize', shardSize],
    ['batchSize', batchSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ExprsimError('E_BAD_OPTION', `${flag} must be a whole number ≥ 1, got ${v}`, {
        input: String(v),
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
  const mirror = options.mirror ?? false;
  if (typeof mirror !== 'boolean') {
    throw new ExprsimError('E_BAD_OPTION', `mirror must be true or false, got ${String(mirror)}`, {
      input: String(mirror),
    });
  }
  const shape = backbone.featureShape;
  const faceValues = shape[0] * shape[1] * shape[2];
  const faceBytes = faceValues * 2;
  const multi = new Set(items.map((i) => i.source)).size > 1;
  const shards = Math.ceil(items.length / shardSize);
  const manifest: FeatureCacheManifest = {
    format: CACHE_FORMAT,
    formatVersion: CACHE_FORMAT_VERSION,
    backbone: {
      ...backbone.ref(),
      weightsSha256: backbone.weightsSha256,
      layer: backbone.config.layer,
      inputSize: backbone.config.inputSize,
    },
    preprocess: pre,
    ...(detect !== undefined && detector !== undefined
      ? { detector: { name: detector.name, ...detectorConfig(detector) } }
      : {}),
    ...(mirror ? { mirror: true as const } : {}),
    shape,
    dtype: 'float16',
    byteOrder: 'little',
    shardSize,
    count: items.length,
    keysSha256: keysHash(items),
    sources: options.sources ?? {},
    sourcePrefixedKeys: multi,
    shards,
    complete: false,
    created: new Date().toISOString(),
    exprsimVersion: packageVersion(),
  };

  await mkdir(outDir, { recursive: true });
  // A stale temporary file from a killed run is never a done shard; remove them.
  for (const f of await readdir(outDir)) {
    if (f.startsWith('.') && f.endsWith('.tmp')) await rm(join(outDir, f), { force: true });
  }
  const manifestPath = join(outDir, CACHE_MANIFEST);
  let existing: FeatureCacheManifest | undefined;
  try {
    existing = (await readJson(manifestPath)) as FeatureCacheManifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ExprsimError('E_CACHE_MISMATCH', 'features.json is damaged', {
        input: manifestPath,
        fix: 'delete the folder and extract again',
        cause: e,
      });
    }
  }
  if (existing !== undefined) {
    if (existing.format !== CACHE_FORMAT || existing.formatVersion !== CACHE_FORMAT_VERSION) {
      throw mismatch(
        outDir,
        'format',
        `${existing.format} v${existing.formatVersion}`,
        `${CACHE_FORMAT} v${CACHE_FORMAT_VERSION}`,
      );
    }
    if (
      existing.backbone.name !== manifest.backbone.name ||
      existing.backbone.version !== manifest.backbone.version
    ) {
      throw mismatch(
        outDir,
        'backbone',
        `${existing.backbone.name} ${existing.backbone.version}`,
        `${manifest.backbone.name} ${manifest.backbone.version}`,
      );
    }
    if (!sameStored(existing.preprocess, pre)) {
      throw mismatch(
        outDir,
        'preprocessing',
        canonicalJson(existing.preprocess),
        canonicalJson(pre),
      );
    }
    if ((existing.mirror === true) !== mirror) {
      throw mismatch(
        outDir,
        'faces',
        existing.mirror === true ? 'mirrored' : 'not mirrored',
        mirror ? 'mirrored ones (--mirror)' : 'unmirrored ones',
      );
    }
    if (existing.shardSize !== shardSize) {
      throw mismatch(outDir, 'shard size', String(existing.shardSize), String(shardSize));
    }
    if (existing.keysSha256 !== manifest.keysSha256) {
      throw mismatch(
        outDir,
        'a different image list of',
        `${existing.count} images`,
        `${items.length}`,
      );
    }
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
  const detection = { images: 0, found: 0, undetected: 0 };
  const note = (s: ShardIndex) => {
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
  };
  let done = 0;
  const total = items.length;
  options.onProgress?.({ done, total, label: 'features' });
  for (let s = 0; s < shards; s++) {
    const shardItems = items.slice(s * shardSize, (s + 1) * shardSize);
    const found = await shardDone(outDir, s, faceBytes);
    if (found !== undefined) {
      result.shardsReused++;
      note(found);
      done += shardItems.length;
      options.onProgress?.({ done, total, label: 'features' });
      continue;
    }
    const data = new Uint8Array(shardItems.length * faceBytes);
    const index: ShardIndex = { shard: s, keys: [], skipped: [], bytes: 0, sha256: '' };
    const undetected: string[] = [];
    // Decode the next batch (sharp, off the JS thread) while the backbone runs on this one.
    const load = (from: number) =>
      Promise.all(
        shardItems.slice(from, from + batchSize).map((it) => loadFace(it, pre, detect, mirror)),
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
          const key = cacheKey(it.source, it.key, multi);
          good.push(f.image);
          index.keys.push(key);
          if (!f.detected) undetected.push(key);
        }
      });
      if (good.length > 0) {
        const values = await extractBatch(backbone, good);
        data.set(float32ToFloat16Bytes(values), (index.keys.length - good.length) * faceBytes);
      }
      done += faces.length;
      options.onProgress?.({ done, total, label: 'features' });
    }
    if (undetected.length > 0) index.undetected = undetected;
    const bytes = data.subarray(0, index.keys.length * faceBytes);
    index.bytes = bytes.length;
    index.sha256 = createHash('sha256').update(bytes).digest('hex');
    await writeFileAtomic(join(outDir, shardData(s)), bytes);
    await writeFileAtomic(join(outDir, shardIndex(s)), `${JSON.stringify(index)}\n`);
    result.shardsWritten++;
    note(index);
  }
  manifest.complete = true;
  manifest.stored = result.stored;
  manifest.skipped = result.skipped.count;
  if (pre.crop.kind === 'detector') {
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

/** An opened feature cache: keys, shape, and face maps by key (decoded from float16). */
export interface FeatureCache {
  dir: string;
  manifest: FeatureCacheManifest;
  /** Every stored key, in storage order. */
  keys: readonly string[];
  shape: Shape3;
  /** `{ name, version }` of the backbone, for saveModel's manifest. */
  backbone: BackboneRef;
  preprocess: FeaturePreprocess;
  has(key: string): boolean;
  /** The key of an image of a source (prefixed only in multi-source caches). */
  keyFor(source: string, key: string): string;
  /** One face's map, [h, w, c] row-major. Throws E_BAD_OPTION for an unknown key. */
  get(key: string): Float32Array;
  /** Several faces' maps as one [n, h, w, c] float32 tensor (the caller disposes it). */
  batch(keys: readonly string[]): tf.Tensor4D;
  /** Drops the shard data held in memory. */
  close(): void;
}

export interface OpenFeatureCacheOptions {
  /** The backbone the caller expects ({name, version}); E_CACHE_MISMATCH when different. */
  backbone?: BackboneRef;
  /** The preprocessing the caller expects; E_CACHE_MISMATCH when different. */
  preprocess?: FeaturePreprocess;
  /** Open a cache whose extraction has not finished (only done shards are visible). Default false. */
  allowIncomplete?: boolean;
}

/**
 * Opens a feature cache written by {@link extractFeatures}. Checks the format, completeness and
 * (when given) the expected backbone and preprocessing, with clear errors (E_FILE_NOT_FOUND,
 * E_MODEL_FORMAT, E_CACHE_INCOMPLETE, E_CACHE_MISMATCH). Shard data is read on first use and
 * kept in memory as float16 (half the float32 size).
 */
export async function openFeatureCache(
  dir: string,
  options: OpenFeatureCacheOptions = {},
): Promise<FeatureCache> {
  const path = join(dir, CACHE_MANIFEST);
  let m: FeatureCacheManifest;
  try {
    m = (await readJson(path)) as FeatureCacheManifest;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ExprsimError(
      missing ? 'E_FILE_NOT_FOUND' : 'E_MODEL_FORMAT',
      missing ? 'not a feature cache (no features.json)' : 'features.json is not valid JSON',
      { input: path, fix: 'pass a folder written by `exprsim features`', cause: e },
    );
  }
  if (m.format !== CACHE_FORMAT || m.formatVersion !== CACHE_FORMAT_VERSION) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      `not an ${CACHE_FORMAT} v${CACHE_FORMAT_VERSION} cache (found ${String(m.format)} v${String(m.formatVersion)})`,
      { input: path, fix: 'extract the features again with this exprsim' },
    );
  }
  const preprocess = parsePreprocess(m.preprocess, path);
  if (!m.complete && !options.allowIncomplete) {
    throw new ExprsimError(
      'E_CACHE_INCOMPLETE',
      'feature extraction into this cache has not finished',
      {
        input: dir,
        fix: 'rerun the same `exprsim features` command to finish it (done shards are kept)',
      },
    );
  }
  const want = options.backbone;
  if (
    want !== undefined &&
    (want.name !== m.backbone.name || want.version !== m.backbone.version)
  ) {
    throw new ExprsimError(
      'E_CACHE_MISMATCH',
      `the cache holds ${m.backbone.name} ${m.backbone.version} features, expected ${want.name} ${want.version}`,
      {
        input: dir,
        fix: `extract features with --backbone ${want.name} (layer ${want.version.split(':')[1] ?? '?'})`,
      },
    );
  }
  if (options.preprocess !== undefined && !samePreprocess(options.preprocess, preprocess)) {
    throw new ExprsimError('E_CACHE_MISMATCH', 'the cache was made with different preprocessing', {
      input: dir,
      fix: `expected ${canonicalJson(options.preprocess)}, the cache has ${canonicalJson(preprocess)}: re-extract`,
    });
  }
  const faceValues = m.shape[0] * m.shape[1] * m.shape[2];
  const faceBytes = faceValues * 2;
  const where = new Map<string, { shard: number; row: number }>();
  const keys: string[] = [];
  for (let s = 0; s < m.shards; s++) {
    const idx = await shardDone(dir, s, faceBytes);
    if (idx === undefined) {
      if (options.allowIncomplete) continue;
      throw new ExprsimError('E_CACHE_INCOMPLETE', `shard ${s} is missing or damaged`, {
        input: join(dir, shardData(s)),
        fix: 'rerun `exprsim features` with the same arguments to rebuild it',
      });
    }
    idx.keys.forEach((k, row) => {
      where.set(k, { shard: s, row });
      keys.push(k);
    });
  }
  const multi = m.sourcePrefixedKeys === true;
  let loaded = new Map<number, Uint8Array>();
  const shardBytes = (s: number): Uint8Array => {
    let b = loaded.get(s);
    if (b === undefined) {
      const buf = readFileSync(join(dir, shardData(s)));
      b = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      loaded.set(s, b);
    }
    return b;
  };
  const locate = (key: string) => {
    const w = where.get(key);
    if (w === undefined) {
      throw new ExprsimError('E_BAD_OPTION', `no features for "${key}" in the cache`, {
        input: dir,
        fix: 'extract features for the dataset that key comes from',
      });
    }
    return w;
  };
  const decodeInto = (key: string, out: Float32Array, offset: number) => {
    const { shard, row } = locate(key);
    const bytes = shardBytes(shard).subarray(row * faceBytes, (row + 1) * faceBytes);
    float16BytesToFloat32(bytes, faceValues, out, offset);
  };
  return {
    dir,
    manifest: m,
    keys,
    shape: [...m.shape] as Shape3,
    backbone: { name: m.backbone.name, version: m.backbone.version },
    preprocess,
    has: (key) => where.has(key),
    keyFor: (source, key) => cacheKey(source, key, multi),
    get(key) {
      const out = new Float32Array(faceValues);
      decodeInto(key, out, 0);
      return out;
    },
    batch(batchKeys) {
      const out = new Float32Array(batchKeys.length * faceValues);
      batchKeys.forEach((k, i) => decodeInto(k, out, i * faceValues));
      return tf.tensor4d(out, [batchKeys.length, ...m.shape]);
    },
    close() {
      loaded = new Map();
    },
  };
}
