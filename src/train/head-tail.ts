import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { FaceApiExpressionBackbone } from '../features/faceapi-expression.js';
import { TAIL_BLOCKS, type HeadTail } from '../models/heads/common.js';

/**
 * Starts a head's trainable tail (see `tail` in src/models/heads/common.ts) from the backbone
 * blocks it holds, so fine-tuning begins where the frozen backbone stands: with the shipped
 * weights the tail's output equals the backbone's layer exactly (tested). A head without a tail
 * is left alone. Resumed runs then overwrite these weights from the checkpoint.
 */
export async function initHeadTail(model: tf.LayersModel, tail: HeadTail): Promise<void> {
  if (tail === 'none') return;
  const backbone = await FaceApiExpressionBackbone.create({ layer: 'dense2' });
  try {
    for (const { block, prefix } of TAIL_BLOCKS[tail]) {
      const weights = backbone.denseBlockWeights(block);
      try {
        let at = 0;
        for (let k = 0; k < 4; k++) {
          const name = `${prefix}conv${k}`;
          const layer = model.getLayer(name);
          if (layer === undefined) {
            throw new ExprsimError('E_MODEL_FORMAT', `the head has no layer ${name} for its tail`);
          }
          const n = layer.getWeights().length;
          layer.setWeights(weights.slice(at, at + n));
          at += n;
        }
      } finally {
        tf.dispose(weights);
      }
    }
  } finally {
    backbone.dispose();
  }
}
