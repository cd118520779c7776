import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExprsimError } from '../errors.js';

/**
 * Loads weights stored as a tfjs weights manifest (a JSON array of groups `{paths, weights}`) and
 * its binary shards, as face-api.js ships them. Returns the named tensors; the caller owns them.
 */
export async function loadWeightsManifest(manifestPath: string): Promise<tf.NamedTensorMap> {
  let manifest: tf.io.WeightsManifestConfig;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as tf.io.WeightsManifestConfig;
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
  if (!Array.isArray(manifest)) {
    throw new ExprsimError('E_MODEL_FORMAT', 'weights manifest is not an array of weight groups', {
      input: manifestPath,
      fix: 'use the manifest file that ships with the weights',
    });
  }
  const out: tf.NamedTensorMap = {};
  for (const group of manifest) {
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
      buffers.push(
        buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
      );
    }
    const data = tf.io.concatenateArrayBuffers(buffers);
    const expected = group.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (data.byteLength < expected) {
      throw new ExprsimError(
        'E_MODEL_FORMAT',
        `weight shards hold ${data.byteLength} bytes, the manifest needs ${expected}`,
        { input: manifestPath, fix: 'the weights are truncated: reinstall exprsim' },
      );
    }
    Object.assign(out, tf.io.decodeWeights(data, group.weights));
  }
  return out;
}
