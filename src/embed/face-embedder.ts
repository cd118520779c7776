import * as tf from '@tensorflow/tfjs';
import { preprocessFace, type PreprocessFaceInput } from '../align/preprocess.js';
import { ExprsimError } from '../core/errors.js';
import type { RawImage } from '../image/types.js';
import { logger } from '../core/logger.js';
import { loadModel, type LoadedModel } from '../models/artifact.js';
import { forwardBatches } from './forward.js';
import type { ProgressCallback } from '../core/progress.js';
import { backboneFromRef } from '../features/registry.js';
import {
  PREPROCESS_FORMAT,
  parsePreprocess,
  wholeImagePreprocess,
  type FeaturePreprocess,
} from '../features/preprocess.js';
import type { Backbone } from '../features/types.js';
import { DEFAULT_DETECT_MARGIN, DEFAULT_EMBED_BATCH } from '../features/defaults.js';

export { DEFAULT_DETECT_MARGIN, DEFAULT_EMBED_BATCH };

export interface EmbedOptions {
  /** Faces per forward pass; default {@link DEFAULT_EMBED_BATCH}. */
  batchSize?: number;
  onProgress?: ProgressCallback;
}

/** Options of {@link FaceEmbedder.prepareFace}. */
export interface PrepareFaceOptions {
  /**
   * Margin around the detected box. For models trained on face crops (whole-image records) it is
   * the crop taken from the photo (default {@link DEFAULT_DETECT_MARGIN}); for detector records
   * it replaces the record's margin (default: the record's — change it only to experiment).
   */
  margin?: number;
  /**
   * The name of the detector that found the face: for models trained on face crops, the record's
   * measured framing for this detector's boxes is used (unless `margin` is given).
   */
  detector?: string;
}

/**
 * A loaded model with its backbone, ready to embed many faces. Create once with
 * {@link createEmbedder}, embed, then `dispose()`. Faces are prepared as the model's
 * preprocessing record says: crop, five-point alignment and masking included.
 */
export interface FaceEmbedder {
  readonly model: LoadedModel;
  /** The frozen backbone the head reads, or undefined for pixel heads. */
  readonly backbone?: Backbone;
  /** How faces are prepared (from the model manifest). */
  readonly preprocess: FeaturePreprocess;
  readonly embeddingSize: number;
  /**
   * One face as the network's input pixels, as the record says. With `face` (a detection in
   * the photo `image`: box and landmarks) the crop, alignment and mask are the record's; without
   * one, `image` is a face crop (for detector records: the box grown by the record's margin) and
   * cannot be aligned.
   */
  prepareFace(
    image: RawImage,
    face?: PreprocessFaceInput,
    options?: PrepareFaceOptions,
  ): Promise<RawImage>;
  /** Faces from {@link prepareFace} → unit vectors, in order. */
  embedPrepared(faces: readonly RawImage[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** Face crops (decoded pixels, any size, grey or RGB) → unit vectors, in order. */
  embedFaces(images: readonly RawImage[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** The detected faces of one photo → unit vectors, in order (crop, align, mask per record). */
  embedDetectedFaces(
    image: RawImage,
    faces: readonly PreprocessFaceInput[],
    options?: EmbedOptions & PrepareFaceOptions,
  ): Promise<Float32Array[]>;
  /** Frees the backbone and the model. */
  dispose(): void;
}

/** The preprocessing a model manifest records, or the backbone's / pixel default (warned). */
function modelPreprocess(
  m: LoadedModel,
  backbone: Backbone | undefined,
  source: string,
): FeaturePreprocess {
  const rec = m.manifest.preprocess as Record<string, unknown>;
  if (rec.format === PREPROCESS_FORMAT) return parsePreprocess(rec, source);
  if (backbone !== undefined) {
    logger.warn(
      `${source}: no exprsim preprocessing record in the model; using ${backbone.name}'s default`,
    );
    return backbone.preprocess;
  }
  const [h, w, c] = m.manifest.inputShape;
  logger.warn(`${source}: no exprsim preprocessing record in the model; pixels scaled to 0..1`);
  if (c !== 1 && c !== 3) {
    throw new ExprsimError('E_MODEL_FORMAT', `a pixel head needs 1 or 3 channels, not ${c}`, {
      input: source,
    });
  }
  const pre = wholeImagePreprocess(
    h,
    { mean: new Array<number>(c).fill(0), divisor: 255 },
    {
      colour: c === 1 ? 'grey' : 'rgb',
      channels: c,
    },
  );
  pre.size = [h, w];
  return pre;
}

/**
 * Loads what a model needs to embed faces: its backbone, recreated from the manifest and
 * checked against the shipped weights (E_BACKBONE_MISMATCH), and its preprocessing record.
 * `model` is a model folder or a loaded model (which the embedder then owns).
 */
export async function createEmbedder(model: string | LoadedModel): Promise<FaceEmbedder> {
  const source = typeof model === 'string' ? model : 'the model';
  const loaded = typeof model === 'string' ? await loadModel(model) : model;
  const { manifest } = loaded;
  let backbone: Backbone | undefined;
  try {
    if (manifest.backbone !== 'pixels') {
      backbone = await backboneFromRef(manifest.backbone, { source });
      const [fh, fw, fc] = backbone.featureShape;
      const [h, w, c] = manifest.inputShape;
      if (fh !== h || fw !== w || fc !== c) {
        throw new ExprsimError(
          'E_BACKBONE_MISMATCH',
          `the head reads ${h}x${w}x${c} maps but ${backbone.name} gives ${fh}x${fw}x${fc}`,
          { input: source, fix: 'retrain the head on features from this backbone' },
        );
      }
    }
    const preprocess = modelPreprocess(loaded, backbone, source);
    if (backbone !== undefined) {
      const [h, w] = preprocess.size;
      if (
        h !== backbone.inputShape[0] ||
        w !== backbone.inputShape[1] ||
        preprocess.channels !== 3
      ) {
        throw new ExprsimError(
          'E_MODEL_FORMAT',
          `preprocessing gives ${h}x${w}x${preprocess.channels} faces, ${backbone.name} reads ${backbone.inputShape.join('x')}`,
          { input: source, fix: 'the manifest is inconsistent: save the model again' },
        );
      }
    }
    return makeEmbedder(loaded, backbone, preprocess);
  } catch (e) {
    backbone?.dispose();
    if (typeof model === 'string') loaded.model.dispose();
    throw e;
  }
}

/** The record with its detector margin replaced, when asked to. */
function withMargin(pre: FeaturePreprocess, margin: number | undefined): FeaturePreprocess {
  if (margin !== undefined && !(margin >= 0 && margin <= 2)) {
    throw new ExprsimError('E_BAD_OPTION', `margin must be from 0 to 2, got ${margin}`, {
      input: String(margin),
      fix: 'pass a fraction of the box, e.g. 0.2',
    });
  }
  if (margin === undefined || pre.crop.kind !== 'detector' || margin === pre.crop.margin) {
    return pre;
  }
  return { ...pre, crop: { ...pre.crop, margin } };
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `batchSize must be a whole number ≥ 1, got ${batchSize}`,
      {
        input: String(batchSize),
      },
    );
  }
}

function makeEmbedder(
  loaded: LoadedModel,
  backbone: Backbone | undefined,
  preprocess: FeaturePreprocess,
): FaceEmbedder {
  const embeddingSize = loaded.manifest.embeddingSize;
  const averageFlip = loaded.manifest.averageFlip === true;
  const [ph, pw] = preprocess.size;
  const channels = preprocess.channels;
  const faceValues = ph * pw * channels;
  const prepare = async (image: RawImage, face?: PreprocessFaceInput, o: PrepareFaceOptions = {}) =>
    (
      await preprocessFace(image, face, withMargin(preprocess, o.margin), {
        margin: o.margin,
        detector: o.detector,
      })
    ).image;
  const embedPrepared = async (
    faces: readonly RawImage[],
    options: EmbedOptions = {},
  ): Promise<Float32Array[]> => {
    const batchSize = options.batchSize ?? DEFAULT_EMBED_BATCH;
    checkBatchSize(batchSize);
    faces.forEach((f, i) => {
      if (f.width !== pw || f.height !== ph || f.channels !== channels) {
        throw new ExprsimError(
          'E_BAD_OPTION',
          `prepared face ${i} is ${f.width}x${f.height}x${f.channels}, the model reads ${pw}x${ph}x${channels}`,
          { fix: 'prepare faces with embedder.prepareFace, or use embedFaces' },
        );
      }
    });
    options.onProgress?.({ done: 0, total: faces.length, label: 'embed' });
    const { data } = await forwardBatches({
      count: faces.length,
      batchSize,
      load: async (start, end) => {
        const px = new Float32Array((end - start) * faceValues);
        for (let i = start; i < end; i++) px.set(faces[i].data, (i - start) * faceValues);
        return tf.tensor4d(px, [end - start, ph, pw, channels]);
      },
      run: (x) => {
        const input = backbone
          ? backbone.features(x)
          : tf.div(tf.sub(x, tf.tensor1d(preprocess.normalise.mean)), preprocess.normalise.divisor);
        return loaded.model.predict(input, { batchSize }) as tf.Tensor2D;
      },
      // The model's manifest asks for flip averaging: mirror along the width axis too.
      averageFlip,
      onBatch: (done) => options.onProgress?.({ done, total: faces.length, label: 'embed' }),
    });
    return faces.map((_, i) => data.slice(i * embeddingSize, (i + 1) * embeddingSize));
  };
  return {
    model: loaded,
    backbone,
    preprocess,
    embeddingSize,
    prepareFace: prepare,
    embedPrepared,
    async embedFaces(images, options = {}) {
      const batchSize = options.batchSize ?? DEFAULT_EMBED_BATCH;
      checkBatchSize(batchSize);
      if (preprocess.align !== 'none' && images.length > 0) {
        logger.debug(
          'embedFaces: face crops are not aligned (no landmarks); see embedDetectedFaces',
        );
      }
      const out: Float32Array[] = [];
      options.onProgress?.({ done: 0, total: images.length, label: 'embed' });
      for (let b = 0; b < images.length; b += batchSize) {
        const faces = await Promise.all(images.slice(b, b + batchSize).map((im) => prepare(im)));
        out.push(...(await embedPrepared(faces, { batchSize })));
        options.onProgress?.({ done: out.length, total: images.length, label: 'embed' });
      }
      return out;
    },
    async embedDetectedFaces(image, faces, options = {}) {
      const prepared = await Promise.all(faces.map((f) => prepare(image, f, options)));
      return embedPrepared(prepared, options);
    },
    dispose() {
      backbone?.dispose();
      loaded.model.dispose();
    },
  };
}

/**
 * Embeds face crops with a model: 16-d (the model's embedding size) unit vectors, one per image,
 * in order. Images are prepared as the model's manifest says (backbone input size, colour) and
 * run in batches of `batchSize`. `model` is a model folder, a loaded model, or an embedder from
 * {@link createEmbedder} (reuse one for many calls: loading the backbone takes a while).
 */
export async function embedFaces(
  images: readonly RawImage[],
  model: string | LoadedModel | FaceEmbedder,
  options: EmbedOptions = {},
): Promise<Float32Array[]> {
  if (typeof model === 'object' && 'embedFaces' in model) return model.embedFaces(images, options);
  const own = await createEmbedder(model);
  try {
    return await own.embedFaces(images, options);
  } finally {
    own.backbone?.dispose();
    if (typeof model === 'string') own.model.model.dispose();
  }
}
