import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { averageUnitTensors } from '../models/flip-average.js';
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

/** What {@link forwardBatches} runs: inputs by range, the network, and flip averaging. */
export interface ForwardBatchesOptions {
  /** Inputs in all. */
  count: number;
  batchSize: number;
  /** The inputs [start, end) as one [n, h, w, c] tensor (disposed here). */
  load(start: number, end: number): Promise<tf.Tensor4D>;
  /** The network in inference mode on a batch: [n, d] (run inside a tidy). */
  run(x: tf.Tensor4D): tf.Tensor2D;
  /** Embed each input as the normalised mean of its own and its mirror image's output. */
  averageFlip?: boolean;
  /** The mirrored inputs of a batch (disposed here); default the batch reversed along its width. */
  mirrored?(x: tf.Tensor4D, start: number, end: number): Promise<tf.Tensor4D>;
  /** After each batch: how many inputs are done. */
  onBatch?(done: number): void;
}

/**
 * The one batched inference loop (evaluation, training's validation, the face embedder): every
 * batch is loaded, run, flip-averaged when asked (models/flip-average.ts) and read back, with
 * nothing left on the tensor heap. Returns the outputs flat [count × dim].
 */
export async function forwardBatches(
  o: ForwardBatchesOptions,
): Promise<{ data: Float32Array; dim: number }> {
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let start = 0; start < o.count; start += o.batchSize) {
    const end = Math.min(o.count, start + o.batchSize);
    const x = await o.load(start, end);
    let y: tf.Tensor2D;
    try {
      y = tf.tidy(() => o.run(x));
      if (o.averageFlip === true) {
        const m = o.mirrored === undefined ? tf.reverse(x, 2) : await o.mirrored(x, start, end);
        try {
          const own = y;
          y = tf.tidy(() => averageUnitTensors(own, o.run(m)));
          own.dispose();
        } finally {
          m.dispose();
        }
      }
    } finally {
      x.dispose();
    }
    dim = y.shape[1];
    parts.push((await y.data()) as Float32Array);
    y.dispose();
    o.onBatch?.(end);
  }
  const data = new Float32Array(o.count * dim);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, dim };
}

/** Inference-mode embeddings of `keys`, flat [n × D]; flip-averaged when asked to. */
export async function embedWith(
  model: tf.LayersModel,
  source: TripletInputSource,
  keys: readonly string[],
  averageFlip = false,
): Promise<Float32Array> {
  const { data } = await forwardBatches({
    count: keys.length,
    batchSize: EMBED_BATCH,
    load: (s, e) => source.load(keys.slice(s, e)),
    run: (x) => model.predict(x, { batchSize: EMBED_BATCH }) as tf.Tensor2D,
    averageFlip,
    // Pixels are mirrored in place of a second load (which would decode them again).
    mirrored:
      source.spec.kind === 'pixels'
        ? undefined
        : (_x, s, e) => loadAllMirrored(source, keys.slice(s, e)),
  });
  return data;
}
