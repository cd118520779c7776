/** Reading a feature cache written by `extractFeatures`: checked on open, shards read on first use. */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { BackboneRef, Shape3 } from '../core/types.js';
import {
  CACHE_FORMAT,
  CACHE_FORMAT_VERSION,
  CACHE_MANIFEST,
  cacheKey,
  readJson,
  shardData,
  shardDone,
  type FeatureCacheManifest,
} from './cache-format.js';
import { float16BytesToFloat32 } from './float16.js';
import {
  canonicalJson,
  parsePreprocess,
  samePreprocess,
  type FeaturePreprocess,
} from './preprocess.js';

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

/** Reads features.json, or E_FILE_NOT_FOUND / E_MODEL_FORMAT when it is missing or not JSON. */
async function readManifest(path: string): Promise<FeatureCacheManifest> {
  try {
    return (await readJson(path)) as FeatureCacheManifest;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ExprsimError(
      missing ? 'E_FILE_NOT_FOUND' : 'E_MODEL_FORMAT',
      missing ? 'not a feature cache (no features.json)' : 'features.json is not valid JSON',
      { input: path, fix: 'pass a folder written by `exprsim features`', cause: e },
    );
  }
}

/** Checks format, completeness, backbone and preprocessing; returns the parsed preprocessing. */
function checkManifest(
  dir: string,
  path: string,
  m: FeatureCacheManifest,
  options: OpenFeatureCacheOptions,
): FeaturePreprocess {
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
        fix: `extract features with \`backbone\` ${want.name} (layer ${want.version.split(':')[1] ?? '?'})`,
        option: 'backbone',
      },
    );
  }
  if (options.preprocess !== undefined && !samePreprocess(options.preprocess, preprocess)) {
    throw new ExprsimError('E_CACHE_MISMATCH', 'the cache was made with different preprocessing', {
      input: dir,
      fix: `expected ${canonicalJson(options.preprocess)}, the cache has ${canonicalJson(preprocess)}: re-extract`,
    });
  }
  return preprocess;
}

/** Where each key is stored (shard, row), and the keys in storage order, from the done shards. */
async function indexShards(
  dir: string,
  m: FeatureCacheManifest,
  faceBytes: number,
  allowIncomplete: boolean | undefined,
): Promise<{ where: Map<string, { shard: number; row: number }>; keys: string[] }> {
  const where = new Map<string, { shard: number; row: number }>();
  const keys: string[] = [];
  for (let s = 0; s < m.shards; s++) {
    const idx = await shardDone(dir, s, faceBytes);
    if (idx === undefined) {
      if (allowIncomplete) continue;
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
  return { where, keys };
}

/**
 * Opens a feature cache written by `extractFeatures`. Checks the format, completeness and
 * (when given) the expected backbone and preprocessing, with clear errors (E_FILE_NOT_FOUND,
 * E_MODEL_FORMAT, E_CACHE_INCOMPLETE, E_CACHE_MISMATCH). Shard data is read on first use and
 * kept in memory as float16 (half the float32 size).
 */
export async function openFeatureCache(
  dir: string,
  options: OpenFeatureCacheOptions = {},
): Promise<FeatureCache> {
  const path = join(dir, CACHE_MANIFEST);
  const m = await readManifest(path);
  const preprocess = checkManifest(dir, path, m, options);
  const faceValues = m.shape[0] * m.shape[1] * m.shape[2];
  const faceBytes = faceValues * 2;
  const { where, keys } = await indexShards(dir, m, faceBytes, options.allowIncomplete);
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
