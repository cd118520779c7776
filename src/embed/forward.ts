import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { averageUnitRows } from '../models/flip-average.js';
import type { TripletInputSource } from './input-types.js';

/**
 * The batched inference forward pass that evaluation and training's validation share: inputs
 * from a {@link TripletInputSource}, the model in inference mode, flip-averaged when the model
 * asks for it (models/flip-average.ts).
 */

/** Inputs per forward pass of inference. */
export const EMBED_BATCH = 64;

/** Embeddings of `inputs` in inference mode, as a flat [n × D] array. */
export function embedFlat(model: tf.LayersModel, inputs: tf.Tensor, batchSize = 64): Float32Array {
  const y = model.predict(inputs, { batchSize }) as tf.Tensor;
  try {
    return new Float32Array(y.dataSync() as Float32Array);
  } finally {
    y.dispose();
  }
}

export function noMirror(source: TripletInputSource, what: string): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', `${what} needs the mirrored view of the inputs`, {
    input: source.spec.kind === 'features' ? source.spec.cache : source.spec.kind,
    fix: 'extract it (the same feature extraction plus `mirror`) and pass it as `mirrorFeatures` (for training, `input.mirror`)',
    option: 'mirrorFeatures',
  });
}

/** Mirrored inputs of `keys` (all of them), or E_BAD_OPTION when the source has none. */
export async function loadAllMirrored(
  source: TripletInputSource,
  keys: readonly string[],
): Promise<tf.Tensor4D> {
  if (source.loadMirrored === undefined) throw noMirror(source, 'flip averaging');
  return source.loadMirrored(keys, new Array<boolean>(keys.length).fill(true));
}

/** Inference-mode embeddings of `keys`, flat [n × D]; flip-averaged when asked to. */
export async function embedWith(
  model: tf.LayersModel,
  source: TripletInputSource,
  keys: readonly string[],
  averageFlip = false,
): Promise<Float32Array> {
  const dim = model.outputs[0].shape[1] as number;
  const out = new Float32Array(keys.length * dim);
  for (let i = 0; i < keys.length; i += EMBED_BATCH) {
    const batch = keys.slice(i, i + EMBED_BATCH);
    const x = await source.load(batch);
    let e: Float32Array;
    try {
      e = embedFlat(model, x, EMBED_BATCH);
      if (averageFlip) {
        // Pixels are mirrored in place of a second load (which would decode them again).
        const m =
          source.spec.kind === 'pixels' ? tf.reverse(x, 2) : await loadAllMirrored(source, batch);
        try {
          e = averageUnitRows(e, embedFlat(model, m, EMBED_BATCH), dim);
        } finally {
          m.dispose();
        }
      }
    } finally {
      x.dispose();
    }
    out.set(e, i * dim);
  }
  return out;
}
