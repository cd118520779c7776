import * as tf from '@tensorflow/tfjs';

/**
 * Subtracts a fixed offset per channel (no weights): a network's own input normalisation kept
 * inside the model, e.g. face-api's `(v - meanRGB) / 255` on pixels already scaled to 0..1 is
 * `x - meanRGB / 255`.
 */
export class ChannelShift extends tf.layers.Layer {
  static readonly className = 'ExprsimChannelShift';
  private readonly offset: number[];

  constructor(config: { offset: number[]; name?: string }) {
    super({ name: config.name });
    this.offset = [...config.offset];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.sub(x, tf.tensor1d(this.offset));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), offset: this.offset };
  }
}

tf.serialization.registerClass(ChannelShift);
