import type { BackendName } from '../engine/backend.js';
import type { LossName } from './gradients.js';
import type { InputSpec } from '../embed/input-source.js';

/**
 * Messages between the training process and its data-parallel workers (Node IPC with the
 * `advanced` serialisation, so Float32Arrays travel as binary copies, not JSON).
 */
export type WorkerRequest =
  | {
      type: 'init';
      id: number;
      /** The model's tf.layers topology (model.toJSON), rebuilt with tf.models.modelFromJSON. */
      topology: object;
      spec: InputSpec;
      loss: LossName;
      backend: BackendName;
    }
  | {
      type: 'grad';
      id: number;
      /** Every weight, flat, in model.weights order. */
      weights?: Float32Array;
      /** Input keys, 3 per triplet. */
      keys: string[];
      margins: Float32Array;
      /** This shard's augmentation parameters (augment.ts), when the run augments. */
      augment?: Float32Array;
    }
  | {
      type: 'embed';
      id: number;
      weights?: Float32Array;
      keys: string[];
      /** Flip-average each embedding with its mirror image's (needs the mirrored inputs). */
      averageFlip?: boolean;
    }
  | { type: 'close'; id: number };

export type WorkerReply =
  | { type: 'ready'; id: number; weights: number; backend: string }
  | {
      type: 'grad';
      id: number;
      loss: number;
      /** Gradients, flat, in model.trainableWeights order. */
      grads: Float32Array;
      /** Non-trainable weights (batch-norm moving statistics) after the forward pass. */
      state: Float32Array;
    }
  | { type: 'embed'; id: number; embeddings: Float32Array }
  | { type: 'error'; id: number; code: string; message: string; input?: string; fix?: string };
