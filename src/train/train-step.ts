import * as tf from '@tensorflow/tfjs';
import { fecTripletLoss } from './triplet-loss.js';

export interface TripletBatch {
  /** Inputs laid out triplet by triplet, [3B, …]. */
  inputs: tf.Tensor;
  /** Margin per triplet [B], or one for all. */
  margins: tf.Tensor1D | number;
}

export type TripletLossFn = (embeddings: tf.Tensor2D, margins: tf.Tensor1D | number) => tf.Scalar;

/**
 * One optimiser step on one batch of triplets; returns the loss. Self-contained (model,
 * optimiser and tensors only, no I/O or globals), so it runs the same in the main process and in
 * a training worker process.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: TripletBatch,
  loss: TripletLossFn = fecTripletLoss,
): number {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const value = optimizer.minimize(
    () => {
      const emb = model.apply(batch.inputs, { training: true }) as tf.Tensor2D;
      return loss(emb, batch.margins);
    },
    true,
    vars,
  );
  if (value === null) throw new Error('optimizer.minimize returned no loss');
  const out = value.dataSync()[0];
  value.dispose();
  return out;
}
