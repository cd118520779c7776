import * as tf from '@tensorflow/tfjs';

export interface BatchNormConfig {
  name?: string;
  /** Moving-average momentum; default 0.99 (Keras). */
  momentum?: number;
  /** Default 1e-3 (Keras). */
  epsilon?: number;
}

/**
 * Batch normalisation over the last axis (channels of NHWC maps, features of [B, C]) with a
 * hand-written gradient. tf.layers' BatchNormalization differentiates through tf.moments and
 * tf.batchNorm op by op: about twenty full-size elementwise passes per layer in the backward
 * pass, which on wasm cost as much as the convolutions beside them. With x̂ = (x − μ)/σ over the
 * N positions of each channel (Ioffe & Szegedy 2015, §3):
 *   dβ = Σ dy,   dγ = Σ dy·x̂,   dx = γ/σ · (dy − (dβ + x̂·dγ)/N)
 * which is one product pass, two reductions (fast leading-axis sums) and three passes for dx.
 * Forward, training: batch statistics, moving averages updated as Keras does
 * (moving ← moving·m + batch·(1 − m), biased variance); inference: moving statistics, fused.
 * Same weights and defaults as tf.layers.batchNormalization (gamma, beta, moving_mean,
 * moving_variance), checked against it in batch-norm.test.ts.
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'ExprsimBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(config: BatchNormConfig = {}) {
    super({ name: config.name });
    this.momentum = config.momentum ?? 0.99;
    this.epsilon = config.epsilon ?? 1e-3;
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1];
    if (c === null || c === undefined)
      throw new Error(`${this.name}: the channel dimension must be known`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight(
      'moving_mean',
      [c],
      'float32',
      tf.initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'moving_variance',
      [c],
      'float32',
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const eps = this.epsilon;
    if (kwargs.training !== true) {
      return tf.batchNorm(
        x,
        this.movingMean.read(),
        this.movingVariance.read(),
        this.beta.read(),
        this.gamma.read(),
        eps,
      );
    }
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const n = x.size / x.shape[x.rank - 1];
    const update = (variable: tf.LayerVariable, batch: tf.Tensor) => {
      // moving − (moving − batch)·(1 − m), as tf.layers does it.
      const v = variable.read();
      variable.write(tf.sub(v, tf.mul(tf.sub(v, batch), 1 - this.momentum)));
    };
    const forward = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, gamma, beta] = args as tf.Tensor[];
      const save = args[3] as tf.GradSaveFunc;
      const mean = tf.mean(xi, axes);
      const variance = tf.mean(tf.squaredDifference(xi, mean), axes);
      update(this.movingMean, mean);
      update(this.movingVariance, variance);
      save([xi, mean, variance, gamma]);
      return {
        value: tf.batchNorm(xi, mean, variance, beta, gamma, eps),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          if (Array.isArray(dy)) throw new Error('BatchNorm: one output, one gradient');
          const [xs, mu, va, g] = saved;
          const xhat = tf.batchNorm(xs, mu, va, undefined, undefined, eps);
          const dBeta = tf.sum(dy, axes);
          const dGamma = tf.sum(tf.mul(dy, xhat), axes);
          const k = tf.mul(g, tf.rsqrt(tf.add(va, eps))); // γ/σ
          // dx = k·dy − k/N·dβ − x̂·(k/N·dγ): two broadcast products and a broadcast add.
          const dx = tf.add(
            tf.sub(tf.mul(dy, k), tf.mul(xhat, tf.mul(k, dGamma).div(n))),
            tf.neg(tf.mul(k, dBeta).div(n)),
          );
          return [dx, dGamma, dBeta];
        },
      };
    });
    return forward(x, this.gamma.read(), this.beta.read());
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(BatchNorm);

/**
 * The batch-norm layer every exprsim head uses. One factory, so the implementation can be
 * changed everywhere at once.
 */
export function batchNorm(config: BatchNormConfig = {}): tf.layers.Layer {
  return new BatchNorm(config);
}
