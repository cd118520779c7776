import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { ExprsimError } from '../errors.js';
import { loadModel, readModelManifest } from '../models/artifact.js';
import type { BackboneRef } from '../models/artifact.js';
import type { TrainOptions } from './config.js';
import { sha256File } from '../util/fs.js';
import { getWeightsFlat, setWeightsFlat } from './gradients.js';

const WEIGHTS_FILE = 'weights.bin';

/**
 * `--init MODEL` without `--head`: the model's head and head config (its input mode and shape
 * follow the new run's input, as for any head).
 */
export async function withInitHead(o: TrainOptions): Promise<TrainOptions> {
  if (o.init === undefined || o.head !== undefined) return o;
  if (o.headConfig?.preset !== undefined) {
    throw new ExprsimError('E_BAD_OPTION', '--preset needs --head when starting from --init', {
      input: `--preset ${String(o.headConfig.preset)}`,
      fix: "leave out --preset to train the model's own head (its config fixes the architecture)",
    });
  }
  const { head } = await readModelManifest(o.init);
  const { inputMode: _m, inputShape: _s, ...config } = head.config as Record<string, unknown>;
  return { ...o, head: head.name, headConfig: { ...config, ...(o.headConfig ?? {}) } };
}

function initError(model: string, message: string, fix: string): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', `--init ${message}`, { input: model, fix });
}

const backboneKey = (b: BackboneRef | 'pixels') => (b === 'pixels' ? b : `${b.name}@${b.version}`);

/**
 * Copies a saved model's weights into a freshly built head, after checking that they fit: the
 * same head, the same weight shapes, and features of the same backbone (a head trained on one
 * backbone's maps means nothing on another's, even at the same shape). Returns the sha256 of the
 * model's weights.bin, for the run's config.
 */
export async function initWeightsFrom(
  model: tf.LayersModel,
  dir: string,
  expect: {
    head: string;
    inputShape: readonly number[];
    backbone: BackboneRef | 'pixels';
    weightsSha256?: string;
  },
): Promise<string> {
  // loadModel first: a wrong folder or missing file gets its error (naming it and the fix).
  const loaded = await loadModel(dir);
  const { manifest } = loaded;
  try {
    const sha = await sha256File(join(dir, WEIGHTS_FILE));
    if (expect.weightsSha256 !== undefined && sha !== expect.weightsSha256) {
      throw initError(
        dir,
        'model changed since the run started (its weights.bin has another sha256)',
        'restore that model, or start a new run',
      );
    }
    if (manifest.head.name !== expect.head) {
      throw initError(
        dir,
        `model is a ${manifest.head.name} head; this run trains ${expect.head}`,
        `leave out --head to train the model's own head, or pass --head ${manifest.head.name}`,
      );
    }
    if (manifest.inputShape.join('x') !== expect.inputShape.join('x')) {
      // Heads end in global pooling, so the weights alone would fit any input size.
      throw initError(
        dir,
        `model takes ${manifest.inputShape.join('x')} inputs; this run's are ${expect.inputShape.join('x')}`,
        manifest.backbone === 'pixels'
          ? `train on --pixels ${manifest.inputShape.join('x')}`
          : "train on a feature cache of the model's backbone and layer",
      );
    }
    if (backboneKey(manifest.backbone) !== backboneKey(expect.backbone)) {
      throw initError(
        dir,
        `model was trained on ${backboneKey(manifest.backbone)} inputs; this run's are ${backboneKey(expect.backbone)}`,
        'train on inputs of the same backbone (features cache) or pixels as the model',
      );
    }
    const want = model.weights.map((w) => w.shape.join('x'));
    const have = loaded.model.weights.map((w) => w.shape.join('x'));
    const i = want.findIndex((s, k) => s !== have[k]);
    if (want.length !== have.length || i >= 0) {
      throw initError(
        dir,
        `model's weights do not fit this head (${i >= 0 ? `weight ${i}: ${have[i] ?? 'none'} vs ${want[i]}` : `${have.length} weights vs ${want.length}`})`,
        "leave out --head, --preset and --head-config to take the model's, and train on inputs of its shape",
      );
    }
    setWeightsFlat(model, getWeightsFlat(loaded.model));
    return sha;
  } finally {
    loaded.model.dispose();
  }
}
