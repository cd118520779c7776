/**
 * The model version stored with every embedding: a stable id of the model artifact, so that
 * search only compares embeddings made by the same weights. It hashes what determines the
 * embedding (head and its config, backbone and its weights version, preprocessing, shapes, flip
 * averaging, and every weight value) and not when or where the model was saved: the same weights copied or
 * saved again keep their version; one more training step changes it.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../features/preprocess.js';
import type { LoadedModel } from '../models/artifact.js';

const versions = new WeakMap<object, string>();

/** `<head name>-<16 hex digits>`, e.g. `se-densenet-3f9c0a1d2b4e6f70`. */
export function modelVersion(model: LoadedModel): string {
  const known = versions.get(model.model);
  if (known !== undefined) return known;
  const { head, backbone, preprocess, inputShape, embeddingSize, averageFlip } = model.manifest;
  const h = createHash('sha256');
  // Flip averaging changes every embedding; absent keeps the versions of models without it.
  h.update(
    canonicalJson({
      head,
      backbone,
      preprocess,
      inputShape,
      embeddingSize,
      ...(averageFlip === true ? { averageFlip } : {}),
    }),
  );
  for (const w of model.model.weights) {
    const values = w.read().dataSync();
    h.update(`|${w.dtype}:${w.shape.join('x')}|`);
    h.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  const version = `${head.name}-${h.digest('hex').slice(0, 16)}`;
  versions.set(model.model, version);
  return version;
}
