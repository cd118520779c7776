import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../errors.js';
import { FaceApiExpressionBackbone } from '../features/faceapi-expression.js';
import type { HeadTail } from '../models/heads/common.js';

const TAIL_LAYERS = ['tail_conv0', 'tail_conv1', 'tail_conv2', 'tail_conv3'];

/**
 * Starts a head's trainable tail (see `tail` in src/models/heads/common.ts) from the backbone
 * block it continues, so fine-tuning begins where the frozen backbone stands: with the shipped
 * weights the head's tail output equals the backbone's next layer exactly (tested). A head
 * without a tail is left alone. Resumed runs then overwrite these weights from the checkpoint.
 */
export async function initHeadTail(model: tf.LayersModel, tail: HeadTail): Promise<void> {
  if (tail === 'none') return;
  const backbone = await FaceApiExpressionBackbone.create({ layer: 'dense2' });
  try {
    const weights = backbone.denseBlockWeights(3);
    try {
      TAIL_LAYERS.forEach((name, i) => {
        const layer = model.getLayer(name);
        if (layer === undefined) {
          throw new ExprsimError('E_MODEL_FORMAT', `the head has no layer ${name} for its tail`);
        }
        layer.setWeights(weights.slice(3 * i, 3 * i + 3));
      });
    } finally {
      tf.dispose(weights);
    }
  } finally {
    backbone.dispose();
  }
}
