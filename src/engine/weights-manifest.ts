import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import {
  fileInside,
  joinPath,
  parentPath,
  readBinaryFile,
  readTextFile,
  sha256Hex,
} from '../core/files.js';

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
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/** Bytes one weights-manifest entry takes in the shards (quantised entries at their stored width). */
export function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  return n * (q !== undefined ? (QUANT_BYTES[q] ?? 2) : (DTYPE_BYTES[spec.dtype] ?? 4));
}

/**
 * Where weight file `shard` (as `listedIn` lists it) of the folder `dir` is: E_MODEL_FORMAT
 * naming it when it is not a relative path to a file inside `dir`, symlinks resolved (a
 * manifest saying `../../../etc/passwd` or `/etc/passwd` must not make us read that file).
 */
async function weightFileInside(dir: string, shard: unknown, listedIn: string): Promise<string> {
  if (typeof shard !== 'string' || shard === '') {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      `${listedIn} lists a weight file that is not a file name: ${JSON.stringify(shard)}`,
      { input: joinPath(dir, listedIn), fix: `restore ${listedIn} from a good copy of the model` },
    );
  }
  const path = await fileInside(dir, shard);
  if (path === undefined) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      `a weight file listed in ${listedIn} is outside the model folder ${dir}`,
      {
        input: shard.startsWith('/') ? shard : joinPath(dir, shard),
        fix: `the weight files must sit in the model folder: restore ${listedIn} from a good copy of the model`,
      },
    );
  }
  return path;
}

/**
 * Reads the weight files `paths` (relative to `dir`) that `listedIn` (model.json, a manifest)
 * lists, in order. A missing one is E_FILE_NOT_FOUND naming it; one outside `dir` (after
 * symlinks are resolved) is E_MODEL_FORMAT, and is not read.
 */
export async function readWeightFiles(
  dir: string,
  paths: readonly string[],
  listedIn: string,
): Promise<ArrayBuffer[]> {
  const buffers: ArrayBuffer[] = [];
  for (const shard of paths) {
    const path = await weightFileInside(dir, shard, listedIn);
    let buf: ArrayBuffer;
    try {
      buf = await readBinaryFile(path);
    } catch (e) {
      throw new ExprsimError('E_FILE_NOT_FOUND', `weight file listed in ${listedIn} is missing`, {
        input: path,
        fix: 'copy the whole model folder, weight files included',
        cause: e,
      });
    }
    buffers.push(buf);
  }
  return buffers;
}

function isManifest(m: unknown): m is tf.io.WeightsManifestConfig {
  return (
    Array.isArray(m) &&
    m.every(
      (g) =>
        typeof g === 'object' &&
        g !== null &&
        Array.isArray((g as tf.io.WeightsManifestConfig[number]).paths) &&
        Array.isArray((g as tf.io.WeightsManifestConfig[number]).weights),
    )
  );
}

/**
 * Loads weights stored the way face-api.js ships them (MTCNN, the face-api backbones):
 * `<name>-weights_manifest.json`, a JSON array of groups `{paths, weights}` (entries possibly
 * uint8-quantised), beside the binary shards. Reads everything from disk (in the browser build:
 * fetched from the model base URL), checks that
 * every shard is there and that each group's shards hold exactly the bytes its entries describe,
 * and dequantises with tfjs's own decoder. Throws E_FILE_NOT_FOUND or E_MODEL_FORMAT (and then
 * holds no tensors).
 */
export async function loadWeightsManifest(manifestPath: string): Promise<LoadedWeights> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readTextFile(manifestPath));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ExprsimError(
      missing ? 'E_FILE_NOT_FOUND' : 'E_MODEL_FORMAT',
      missing ? 'weights manifest not found' : 'weights manifest is not valid JSON',
      {
        input: manifestPath,
        fix: 'reinstall exprsim, or point modelDir / EXPRSIM_MODEL_DIR at the shipped models/ folder',
        cause: e,
      },
    );
  }
  if (!isManifest(manifest)) {
    throw new ExprsimError('E_MODEL_FORMAT', 'not a tfjs weights manifest ([{paths, weights}])', {
      input: manifestPath,
      fix: 'use the *-weights_manifest.json that ships with the weights',
    });
  }
  const chunks: Uint8Array[] = [];
  const tensors: tf.NamedTensorMap = {};
  let bytes = 0;
  try {
    for (const group of manifest) {
      const buffers = await readWeightFiles(parentPath(manifestPath), group.paths, 'the manifest');
      for (const b of buffers) {
        chunks.push(new Uint8Array(b));
        bytes += b.byteLength;
      }
      const data = tf.io.concatenateArrayBuffers(buffers);
      const expected = group.weights.reduce((n, w) => n + weightBytes(w), 0);
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
  return { tensors, sha256: await sha256Hex(chunks), bytes };
}
