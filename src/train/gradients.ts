import * as tf from '@tensorflow/tfjs';
import { fecTripletLoss, tripletDistances } from './triplet-loss.js';
import type { TripletLossFn } from './train-step.js';
import { LOSS_NAMES, type LossName } from './defaults.js';

/**
 * The pieces of one training step that run wherever the gradient is computed (the main process,
 * or a data-parallel worker): the loss by name, the gradient of the loss over one shard, and the
 * model's weights as flat arrays for sending between processes.
 */
export { LOSS_NAMES, type LossName };

/**
 * The standard triplet margin loss on L2 (not squared) distances, max(0, ‖a−p‖ − ‖a−n‖ + δ),
 * with a margin per triplet (tripletMarginLoss takes one margin for all).
 */
export function marginLossPerTriplet(
  embeddings: tf.Tensor2D,
  margins: tf.Tensor1D | number,
  eps = 1e-6,
): tf.Scalar {
  return tf.tidy(() => {
    const { ap, an } = tripletDistances(embeddings);
    const m = typeof margins === 'number' ? tf.scalar(margins) : margins;
    const d = tf.sub(tf.sqrt(tf.add(ap, eps)), tf.sqrt(tf.add(an, eps)));
    return tf.mean(tf.relu(tf.add(d, m))) as tf.Scalar;
  });
}

export function lossFunction(name: LossName): TripletLossFn {
  return name === 'fec' ? fecTripletLoss : marginLossPerTriplet;
}

/** The model's trainable variables, in `model.trainableWeights` order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Indices into `model.weights` of the non-trainable weights (batch-norm moving statistics). */
export function stateWeightIndices(model: tf.LayersModel): number[] {
  const out: number[] = [];
  model.weights.forEach((w, i) => {
    if (!w.trainable) out.push(i);
  });
  return out;
}

/** Total values of a list of shapes' tensors. */
export function totalSize(shapes: readonly (readonly number[])[]): number {
  return shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
}

/** Concatenates tensors' values into one Float32Array (synchronous read). */
export function flatten(tensors: readonly tf.Tensor[]): Float32Array {
  const out = new Float32Array(totalSize(tensors.map((t) => t.shape)));
  let o = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, o);
    o += t.size;
  }
  return out;
}

/** Splits a flat array into tensors of `shapes` (the caller disposes them). */
export function unflatten(flat: Float32Array, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  let o = 0;
  return shapes.map((sh) => {
    const n = sh.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.subarray(o, o + n), sh as number[], 'float32');
    o += n;
    return t;
  });
}

/** Every weight of the model (trainable and not), flat, in `model.weights` order. */
export function getWeightsFlat(model: tf.LayersModel): Float32Array {
  return flatten(model.weights.map((w) => w.read()));
}

/** Sets every weight of the model from a flat array in `model.weights` order. */
export function setWeightsFlat(model: tf.LayersModel, flat: Float32Array): void {
  const shapes = model.weights.map((w) => w.shape as number[]);
  if (flat.length !== totalSize(shapes)) {
    throw new Error(`weights: got ${flat.length} values, the model has ${totalSize(shapes)}`);
  }
  const ts = unflatten(flat, shapes);
  model.weights.forEach((w, i) => w.write(ts[i]));
  tf.dispose(ts);
}

/** Sets the weights at `indices` of `model.weights` from a flat array. */
export function setWeightsAt(
  model: tf.LayersModel,
  indices: readonly number[],
  flat: Float32Array,
) {
  const shapes = indices.map((i) => model.weights[i].shape as number[]);
  const ts = unflatten(flat, shapes);
  indices.forEach((wi, j) => model.weights[wi].write(ts[j]));
  tf.dispose(ts);
}

export interface ShardGradients {
  /** Mean loss over the shard's triplets. */
  loss: number;
  /** One gradient per trainable variable (the caller disposes them). */
  grads: tf.Tensor[];
}

/**
 * The loss over one shard of triplets and its gradient with respect to the trainable variables,
 * in training mode (batch norm on the shard's statistics, which also moves the moving averages).
 * `inputs` is [3B, h, w, c] laid out triplet by triplet; `margins` one per triplet.
 */
export function shardGradients(
  model: tf.LayersModel,
  inputs: tf.Tensor,
  margins: Float32Array | number[],
  loss: TripletLossFn,
): ShardGradients {
  const vars = trainableVariables(model);
  const m = tf.tensor1d(margins as Float32Array, 'float32');
  try {
    const { value, grads } = tf.variableGrads(() => {
      const emb = model.apply(inputs, { training: true }) as tf.Tensor2D;
      return loss(emb, m);
    }, vars);
    const out = vars.map((v) => grads[v.name]);
    const lossValue = value.dataSync()[0];
    value.dispose();
    return { loss: lossValue, grads: out };
  } finally {
    m.dispose();
  }
}
