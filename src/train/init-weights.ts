import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { loadModel, readModelManifest } from '../models/artifact.js';
import type { BackboneRef } from '../core/types.js';
import type { TrainOptions } from './config.js';
import { layerOfVersion } from '../features/registry.js';
import { sha256File } from '../core/fs.js';
import { getWeightsFlat, setWeightsFlat } from './gradients.js';
import {
  headTailOf,
  isTailLayer,
  TAIL_INPUT,
  TAIL_OUTPUT,
  type HeadTail,
} from '../models/heads/common.js';

const WEIGHTS_FILE = 'weights.bin';

/**
 * `init` (a model) without `head`: the model's head and head config (its input mode and shape
 * follow the new run's input, as for any head).
 */
export async function withInitHead(o: TrainOptions): Promise<TrainOptions> {
  if (o.init === undefined || o.head !== undefined) return o;
  if (o.headConfig?.preset !== undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      'a head `preset` needs `head` when starting from `init`',
      {
        input: String(o.headConfig.preset),
        fix: "leave out the `preset` to train the model's own head (its config fixes the architecture)",
        option: 'headConfig',
      },
    );
  }
  const { head } = await readModelManifest(o.init);
  const { inputMode: _m, inputShape: _s, ...config } = head.config as Record<string, unknown>;
  return { ...o, head: head.name, headConfig: { ...config, ...(o.headConfig ?? {}) } };
}

function initError(model: string, message: string, fix: string): ExprsimError {
  return new ExprsimError('E_BAD_OPTION', `\`init\` ${message}`, {
    input: model,
    fix,
    option: 'init',
  });
}

const backboneKey = (b: BackboneRef | 'pixels') => (b === 'pixels' ? b : `${b.name}@${b.version}`);

/** What a run checks an `init` model against. */
export interface InitExpectation {
  head: string;
  /** The run's head tail ('none' without one). */
  tail: HeadTail;
  inputShape: readonly number[];
  backbone: BackboneRef | 'pixels';
  weightsSha256?: string;
}

/**
 * Copies a saved model's weights into a freshly built head, after checking that they fit: the
 * same head, the same weight shapes, and features of the same backbone (a head trained on one
 * backbone's maps means nothing on another's, even at the same shape). A head with a tail may
 * also start from the same head trained without one on the map the tail ends in (face-api's
 * dense3): the head's layers take the model's weights and the tail keeps the backbone's, so the
 * run starts exactly where the model stands. Returns the sha256 of the model's weights.bin.
 */
export async function initWeightsFrom(
  model: tf.LayersModel,
  dir: string,
  expect: InitExpectation,
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
        `leave out \`head\` to train the model's own head, or set \`head\` to ${manifest.head.name}`,
      );
    }
    const modelTail = headTailOf(manifest.head.config);
    if (modelTail === 'none' && expect.tail !== 'none') {
      checkTailExtension(dir, manifest.backbone, manifest.inputShape, expect);
      copyHeadLayers(dir, loaded.model, model);
      return sha;
    }
    if (modelTail !== expect.tail) {
      throw initError(
        dir,
        `model's head has tail ${modelTail}; this run's has ${expect.tail}`,
        `leave out \`head\` and \`headConfig\` to take the model's head, or give \`headConfig\` {"tail":"${modelTail}"}`,
      );
    }
    if (manifest.inputShape.join('x') !== expect.inputShape.join('x')) {
      // Heads end in global pooling, so the weights alone would fit any input size.
      throw initError(
        dir,
        `model takes ${manifest.inputShape.join('x')} inputs; this run's are ${expect.inputShape.join('x')}`,
        manifest.backbone === 'pixels'
          ? `train on \`pixels\` ${manifest.inputShape.join('x')}`
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
        "leave out `head`, `preset` and `headConfig` to take the model's, and train on inputs of its shape",
      );
    }
    setWeightsFlat(model, getWeightsFlat(loaded.model));
    return sha;
  } finally {
    loaded.model.dispose();
  }
}

/**
 * A tailed run from an untailed model: the model must read the map the tail outputs, and the
 * run the map (or pixels) the tail reads, of the same backbone weights.
 */
function checkTailExtension(
  dir: string,
  backbone: BackboneRef | 'pixels',
  inputShape: readonly number[],
  expect: InitExpectation,
): void {
  const tail = expect.tail as Exclude<HeadTail, 'none'>;
  const out = TAIL_OUTPUT;
  if (
    backbone === 'pixels' ||
    backbone.name !== out.backbone ||
    layerOfVersion(backbone.version) !== out.layer ||
    inputShape.join('x') !== out.shape.join('x')
  ) {
    throw initError(
      dir,
      `model was trained on ${backboneKey(backbone)} ${inputShape.join('x')} inputs; a ${tail} tail continues ${out.backbone} ${out.layer} maps (${out.shape.join('x')})`,
      `start from a model trained on ${out.backbone} ${out.layer} features, or leave out the tail`,
    );
  }
  const reads = TAIL_INPUT[tail];
  const runReads: BackboneRef | 'pixels' =
    reads.mode === 'pixels'
      ? 'pixels'
      : {
          // The same weights (`<sha>:`), read at the layer the tail starts from.
          name: out.backbone,
          version: `${backbone.version.slice(0, -out.layer.length)}${reads.layer ?? ''}`,
        };
  if (backboneKey(expect.backbone) !== backboneKey(runReads)) {
    throw initError(
      dir,
      `this run's inputs are ${backboneKey(expect.backbone)}; the ${tail} tail on this model reads ${backboneKey(runReads)}`,
      reads.mode === 'pixels'
        ? `train on \`pixels\` ${reads.shape.join('x')}`
        : `train on a feature cache of ${out.backbone} at \`layer\` ${reads.layer ?? ''}`,
    );
  }
}

const TAKE_MODEL_HEAD =
  "leave out `head` and `preset`, and give `headConfig` only the tail, to take the model's head";

/** Every weighted layer of `to` outside its tail takes the same-named layer's weights of `from`. */
function copyHeadLayers(dir: string, from: tf.LayersModel, to: tf.LayersModel): void {
  const source = new Map(from.layers.filter((l) => l.weights.length > 0).map((l) => [l.name, l]));
  const pairs = to.layers
    .filter((l) => l.weights.length > 0 && !isTailLayer(l.name))
    .map((layer) => {
      const src = source.get(layer.name);
      const want = layer.weights.map((w) => w.shape.join('x')).join(', ');
      const have = src?.weights.map((w) => w.shape.join('x')).join(', ');
      if (have !== want) {
        throw initError(
          dir,
          `model's layer ${layer.name} ${have === undefined ? 'is missing' : `holds ${have}, not ${want}`}`,
          TAKE_MODEL_HEAD,
        );
      }
      source.delete(layer.name);
      return [layer, src] as const;
    });
  if (source.size > 0) {
    throw initError(
      dir,
      `model's layers ${[...source.keys()].join(', ')} have no place in this head`,
      TAKE_MODEL_HEAD,
    );
  }
  for (const [layer, src] of pairs) layer.setWeights(src?.getWeights() ?? []);
}
