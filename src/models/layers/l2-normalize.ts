import * as tf from '@tensorflow/tfjs';

/**
 * Scales each row to unit L2 norm (FECNet's last step: the 16-d embedding lives on the unit
 * sphere, so squared distances are in [0, 4]). Epsilon guards the gradient at zero vectors.
 */
export class L2Normalize extends tf.layers.Layer {
  static readonly className = 'ExprsimL2Normalize';
  private readonly epsilon: number;

  constructor(config: { epsilon?: number; name?: string } = {}) {
    super({ name: config.name });
    this.epsilon = config.epsilon ?? 1e-12;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const sumSq = tf.sum(tf.square(x), -1, true);
      return tf.mul(x, tf.rsqrt(tf.maximum(sumSq, this.epsilon)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(L2Normalize);
