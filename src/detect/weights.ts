import type * as tf from '@tensorflow/tfjs';
import { loadWeightsManifest as loadManifest } from '../engine/weights-manifest.js';

/**
 * MTCNN's weights (a face-api.js weights manifest and its shards), read by the one manifest
 * loader in src/engine/weights-manifest.ts. Returns the named tensors; the caller owns them.
 */
export async function loadWeightsManifest(manifestPath: string): Promise<tf.NamedTensorMap> {
  return (await loadManifest(manifestPath)).tensors;
}
