/**
 * The feature cache's format (see README): `features.json` (the manifest), and per shard a raw
 * little-endian float16 data file and a JSON index written after it. Shared by extraction
 * (./extract-features.ts) and reading (./open-cache.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackboneRef, Shape3 } from '../core/types.js';
import type { FeaturePreprocess } from './preprocess.js';

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
/** The data file of shard `i`. */
export const shardData = (i: number) => `shard-${pad(i)}.f16`;
/** The index file of shard `i` (its presence marks the shard done). */
export const shardIndex = (i: number) => `shard-${pad(i)}.json`;

/** The cache key of an image: its key, prefixed with `<source>:` when the cache has several sources. */
export function cacheKey(source: string, key: string, multiSource: boolean): string {
  return multiSource ? `${source}:${key}` : key;
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

/** The index of shard `i` when the shard is done and its data file has the size it says, else undefined. */
export async function shardDone(
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
