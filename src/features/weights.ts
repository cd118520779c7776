import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExprsimError } from '../errors.js';

/** Weights read from a tfjs weights manifest and its shards, with their fingerprint. */
export interface LoadedWeights {
  /** The named tensors; the caller owns (and disposes) them. */
  tensors: tf.NamedTensorMap;
  /** sha256 (hex) of the shard bytes in manifest order: the weights' version. */
  sha256: string;
  /** Bytes of the shards. */
  bytes: number;
}

const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function entryBytes(w: tf.io.WeightsManifestEntry): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  const q = w.quantization?.dtype;
  return n * (q !== undefined ? (QUANT_BYTES[q] ?? 4) : (DTYPE_BYTES[w.dtype] ?? 4));
}

/**
 * Loads weights stored the way face-api ships them: `<name>-weights_manifest.json` (a JSON array
 * of groups `{paths, weights}`, entries possibly uint8-quantised) beside the binary shards.
 * Reads everything from disk (no fetch), checks every shard is there and long enough, and
 * dequantises with tfjs's own decoder. Throws E_FILE_NOT_FOUND or E_MODEL_FORMAT.
 */
export async function loadWeightsFromDisk(manifestPath: string): Promise<LoadedWeights> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ExprsimError(
      missing ? 'E_FILE_NOT_FOUND' : 'E_MODEL_FORMAT',
      missing ? 'backbone weights manifest not found' : 'backbone weights manifest is not JSON',
      {
        input: manifestPath,
        fix: 'reinstall exprsim, or point EXPRSIM_MODEL_DIR at the shipped models/ folder',
        cause: e,
      },
    );
  }
  if (
    !Array.isArray(manifest) ||
    !manifest.every(
      (g) =>
        typeof g === 'object' &&
        g !== null &&
        Array.isArray((g as tf.io.WeightsManifestConfig[number]).paths) &&
        Array.isArray((g as tf.io.WeightsManifestConfig[number]).weights),
    )
  ) {
    throw new ExprsimError('E_MODEL_FORMAT', 'not a tfjs weights manifest ([{paths, weights}])', {
      input: manifestPath,
      fix: 'use the *-weights_manifest.json that ships with the weights',
    });
  }
  const hash = createHash('sha256');
  const tensors: tf.NamedTensorMap = {};
  let bytes = 0;
  try {
    for (const group of manifest as tf.io.WeightsManifestConfig) {
      const buffers: ArrayBuffer[] = [];
      for (const shard of group.paths) {
        const path = join(dirname(manifestPath), shard);
        let buf: Buffer;
        try {
          buf = await readFile(path);
        } catch (e) {
          throw new ExprsimError(
            'E_FILE_NOT_FOUND',
            'weight shard listed in the manifest is missing',
            {
              input: path,
              fix: 'copy the whole model folder, shards included',
              cause: e,
            },
          );
        }
        hash.update(buf);
        bytes += buf.length;
        buffers.push(
          buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
        );
      }
      const data = tf.io.concatenateArrayBuffers(buffers);
      const expected = group.weights.reduce((n, w) => n + entryBytes(w), 0);
      if (data.byteLength !== expected) {
        throw new ExprsimError(
          'E_MODEL_FORMAT',
          `weight shards hold ${data.byteLength} bytes, the manifest describes ${expected}`,
          { input: manifestPath, fix: 'the weights are damaged or incomplete: reinstall exprsim' },
        );
      }
      Object.assign(tensors, tf.io.decodeWeights(data, group.weights));
    }
  } catch (e) {
    tf.dispose(Object.values(tensors));
    throw e;
  }
  return { tensors, sha256: hash.digest('hex'), bytes };
}

/** Takes tensor `name` of `rank` from a weight map, or throws E_MODEL_FORMAT naming it. */
export function takeWeight<R extends tf.Rank>(
  map: tf.NamedTensorMap,
  name: string,
  shape: readonly (number | null)[],
  source: string,
): tf.Tensor<R> {
  const t = map[name];
  const ok =
    t !== undefined &&
    t.rank === shape.length &&
    shape.every((d, i) => d === null || t.shape[i] === d);
  if (!ok) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      t === undefined
        ? `weight "${name}" is missing`
        : `weight "${name}" has shape [${t.shape.join(', ')}], expected [${shape.map((d) => d ?? '?').join(', ')}]`,
      { input: source, fix: 'the weights do not belong to this backbone: reinstall exprsim' },
    );
  }
  return t as tf.Tensor<R>;
}
