import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FER2013_LABELS } from '../data/fer2013-csv.js';
import { fileIO } from '../engine/file-io.js';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import { imageToTensor } from '../image/tensor.js';
import type { RawImage } from '../image/types.js';
import type { BackboneRef } from '../core/types.js';
import { modelDir } from '../core/paths.js';
import type { ExpressionClassifier } from './types.js';

/**
 * Human's emotion classifier (`@vladmandic/human` 3.3.6 models/emotion, MIT; originally Octavio
 * Arriaga's face_classification FER2013 model, MIT), run as a tfjs graph model loaded from disk
 * (models/human-emotion). A frozen classifier, not a backbone: it has no exposed feature map and
 * is used only as a baseline (its 7 probabilities as the embedding). See models/human-emotion/
 * README.md for provenance, and for the caveat that its authors selected checkpoints on FER2013's
 * PublicTest + PrivateTest rows.
 *
 * Preprocessing, as Human's src/gear/emotion.ts does it: RGB scaled to 0..1, bilinear resize to
 * 64x64 (tf.image.resizeBilinear, alignCorners false, halfPixelCenters false), grey as
 * 0.2989 R + 0.5870 G + 0.1140 B, then (grey − 0.5) × 2. Grey images count as R = G = B.
 */
export const HUMAN_EMOTION_SIZE = 64;
/** Human's RGB → grey weights (MATLAB's rgb2gray; they sum to 0.9999, not 1). */
export const HUMAN_GREY_WEIGHTS = [0.2989, 0.587, 0.114] as const;
/** The order of the network's own output: FER2013's label indices, as face_classification used them. */
export const HUMAN_EMOTION_MODEL_LABELS = FER2013_LABELS;
/** The order exprsim reports the probabilities in (FER2013's names, as datasets list them). */
export const HUMAN_EMOTION_LABELS = [
  'angry',
  'disgust',
  'fear',
  'happy',
  'neutral',
  'sad',
  'surprise',
] as const;
/** Where the model is under the model directory. */
export const HUMAN_EMOTION_FOLDER = 'human-emotion';
export const HUMAN_EMOTION_FILE = 'emotion.json';

/** For each exprsim label, its column in the network's output. */
const REORDER = HUMAN_EMOTION_LABELS.map((l) =>
  (HUMAN_EMOTION_MODEL_LABELS as readonly string[]).indexOf(l),
);

const FIX =
  'reinstall exprsim, or point modelDir / EXPRSIM_MODEL_DIR at the shipped models/ folder, which holds human-emotion/emotion.json and emotion.bin';

/**
 * Pixels [batch, h, w, 1 or 3] in 0..255 (any size) → the network's input [batch, 64, 64, 1] in
 * -1..1, exactly as Human prepares a face (see the module comment). Tidy; the caller disposes.
 */
export function humanEmotionInput(pixels: tf.Tensor4D): tf.Tensor4D {
  const c = pixels.shape[3];
  if (c !== 1 && c !== 3) {
    throw new ExprsimError('E_BAD_OPTION', `pixels have ${c} channels; need 1 (grey) or 3 (RGB)`, {
      input: `shape=[${pixels.shape.join(', ')}]`,
      fix: 'pass [batch, height, width, 3] RGB (or 1-channel grey) pixels in 0..255',
    });
  }
  return tf.tidy(() => {
    const unit = tf.div(pixels, 255);
    const resized = tf.image.resizeBilinear(
      unit as tf.Tensor4D,
      [HUMAN_EMOTION_SIZE, HUMAN_EMOTION_SIZE],
      false,
    );
    const weights =
      c === 3
        ? tf.tensor1d([...HUMAN_GREY_WEIGHTS])
        : tf.scalar(HUMAN_GREY_WEIGHTS.reduce((a, b) => a + b, 0));
    const grey = tf.sum(tf.mul(resized, weights), 3, true);
    return tf.mul(tf.sub(grey, 0.5), 2) as tf.Tensor4D;
  });
}

/** Human's emotion network; create with {@link HumanEmotionClassifier.create}. */
export class HumanEmotionClassifier implements ExpressionClassifier {
  readonly name = 'human-emotion' as const;
  readonly outputKind = 'expression-probabilities' as const;
  readonly outputSize = 7;
  readonly labels = HUMAN_EMOTION_LABELS;
  readonly inputSize = HUMAN_EMOTION_SIZE;
  /** First 16 hex digits of the sha256 of emotion.bin. */
  readonly version: string;
  private model: tf.GraphModel | undefined;

  private constructor(
    model: tf.GraphModel,
    readonly weightsSha256: string,
    /** The model.json it was loaded from. */
    readonly path: string,
  ) {
    this.model = model;
    this.version = weightsSha256.slice(0, 16);
  }

  /**
   * Loads models/human-emotion/emotion.json and emotion.bin from `modelDir` (default modelDir())
   * through exprsim's file IO, never the network. Throws E_FILE_NOT_FOUND naming the missing file,
   * or E_MODEL_FORMAT when the files are damaged or are not this model. Needs an initialised
   * engine.
   */
  static async create(options: { modelDir?: string } = {}): Promise<HumanEmotionClassifier> {
    const path = join(options.modelDir ?? modelDir(), HUMAN_EMOTION_FOLDER, HUMAN_EMOTION_FILE);
    let model: tf.GraphModel;
    let sha256: string;
    try {
      const artifacts = await fileIO(path).load!();
      const hash = createHash('sha256');
      const data = artifacts.weightData;
      for (const b of data === undefined ? [] : Array.isArray(data) ? data : [data]) {
        hash.update(new Uint8Array(b));
      }
      sha256 = hash.digest('hex');
      model = await tf.loadGraphModel({ load: () => Promise.resolve(artifacts) });
    } catch (e) {
      if (isExprsimError(e) && e.code === 'E_FILE_NOT_FOUND') {
        throw new ExprsimError('E_FILE_NOT_FOUND', "Human's emotion model file is missing", {
          input: e.input ?? path,
          fix: FIX,
          cause: e,
        });
      }
      if (isExprsimError(e)) throw e;
      throw new ExprsimError(
        'E_MODEL_FORMAT',
        `cannot load Human's emotion graph model: ${(e as Error).message}`,
        { input: path, fix: FIX, cause: e },
      );
    }
    // The graph records no output shape: run it once on a blank face to check it.
    const inShape = model.inputs[0]?.shape;
    const runsOnAFace = () => {
      try {
        return tf.tidy(() => {
          const out = model.execute(tf.zeros([1, HUMAN_EMOTION_SIZE, HUMAN_EMOTION_SIZE, 1]));
          return !Array.isArray(out) && out.shape.length === 2 && out.shape[1] === 7;
        });
      } catch {
        return false;
      }
    };
    const ok =
      model.inputs.length === 1 &&
      model.outputs.length === 1 &&
      inShape?.[1] === HUMAN_EMOTION_SIZE &&
      inShape?.[2] === HUMAN_EMOTION_SIZE &&
      inShape?.[3] === 1 &&
      runsOnAFace();
    if (!ok) {
      model.dispose();
      throw new ExprsimError(
        'E_MODEL_FORMAT',
        'not the 64x64 grey, 7-class emotion model (input [-1, 64, 64, 1], output [-1, 7])',
        { input: path, fix: FIX },
      );
    }
    return new HumanEmotionClassifier(model, sha256, path);
  }

  ref(): BackboneRef {
    return { name: this.name, version: this.version };
  }

  private live(): tf.GraphModel {
    if (this.model === undefined) {
      throw new ExprsimError('E_BAD_OPTION', 'the human-emotion classifier was disposed', {
        fix: 'create a new one with HumanEmotionClassifier.create',
      });
    }
    return this.model;
  }

  /**
   * Pixels [batch, h, w, 3 or 1] in 0..255, any size → probabilities [batch, 7] in exprsim's label
   * order ({@link HUMAN_EMOTION_LABELS}). Tidy; the caller disposes.
   */
  predict(pixels: tf.Tensor4D): tf.Tensor2D {
    return this.classify(() => humanEmotionInput(pixels));
  }

  /** Images of any sizes (each resized on its own) → probabilities [n, 7], as {@link predict}. */
  predictImages(images: readonly RawImage[]): tf.Tensor2D {
    if (images.length === 0) {
      this.live();
      return tf.zeros([0, this.outputSize]);
    }
    return this.classify(() =>
      tf.concat(
        images.map((img) =>
          humanEmotionInput(imageToTensor(img, { scale: '0-255' }).expandDims(0) as tf.Tensor4D),
        ),
        0,
      ),
    );
  }

  /** The network on the input `prepare` builds (inside one tidy), columns in exprsim's order. */
  private classify(prepare: () => tf.Tensor): tf.Tensor2D {
    const model = this.live();
    return tf.tidy(() => tf.gather(model.execute(prepare()) as tf.Tensor2D, REORDER, 1));
  }

  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }
}
