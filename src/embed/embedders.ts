import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { readImage } from '../image/read.js';
import type { ResizeKernel, TensorScale } from '../image/types.js';
import { preprocessDifferences } from '../align/record.js';
import type { ProgressCallback } from '../core/progress.js';
import { loadModel, type LoadedModel } from '../models/artifact.js';
import { createHead } from '../models/heads/registry.js';
import type { JsonObject, Shape3 } from '../core/types.js';
import {
  openInputSource,
  PixelInputSource,
  scaleOfNormalise,
  type TripletInputSource,
} from './input-source.js';
import { FeatureInputSource } from './feature-source.js';
import { embedWith, forwardBatches } from './forward.js';

/**
 * Anything that maps face images to vectors, scored the same way: trained heads, an untrained
 * head, raw pixels, a backbone's own output (face-api's identity descriptor, its expression
 * probabilities), a frozen classifier's output (Human's emotion probabilities). Keys come from
 * `keyFor` (file paths, or feature-cache keys).
 */
export interface Embedder {
  readonly name: string;
  /** What it is, for reports. */
  readonly info: JsonObject;
  keyFor(source: string, key: string, path: string): string;
  /** Whether `embed` can take this key (absent: every key). */
  has?(key: string): boolean;
  /** Vectors of `keys`, flat [n × dim]. */
  embed(
    keys: readonly string[],
    onProgress?: ProgressCallback,
  ): Promise<{ data: Float32Array; dim: number }>;
  dispose(): void;
}

const BATCH = 64;

/** An embedder that loads inputs from a source and maps each batch with `fn` (tidied). */
export function sourceEmbedder(
  name: string,
  source: TripletInputSource,
  fn: (x: tf.Tensor4D) => tf.Tensor2D,
  info: JsonObject,
  dispose: () => void = () => undefined,
): Embedder {
  return {
    name,
    info,
    keyFor: (s, k, p) => source.keyFor(s, k, p),
    has: source.has === undefined ? undefined : (k) => source.has?.(k) ?? true,
    embed(keys, onProgress) {
      return forwardBatches({
        count: keys.length,
        batchSize: BATCH,
        load: (start, end) => source.load(keys.slice(start, end)),
        run: fn,
        onBatch: (done) => onProgress?.({ done, total: keys.length, label: name }),
      });
    },
    dispose() {
      dispose();
      source.dispose();
    },
  };
}

/** A head model on a source; flip-averaged (models/flip-average.ts) when asked to. */
export function modelEmbedder(
  name: string,
  model: tf.LayersModel,
  source: TripletInputSource,
  info: JsonObject,
  averageFlip = false,
): Embedder {
  if (!averageFlip) {
    return sourceEmbedder(
      name,
      source,
      (x) => model.predict(x, { batchSize: BATCH }) as tf.Tensor2D,
      info,
      () => model.dispose(),
    );
  }
  if (source.loadMirrored === undefined) {
    model.dispose();
    source.dispose();
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${name} averages flips; its inputs have no mirrored view`,
      {
        fix: 'pass the mirrored feature cache as `mirrorFeatures`',
        option: 'mirrorFeatures',
      },
    );
  }
  return {
    name,
    info,
    keyFor: (s, k, p) => source.keyFor(s, k, p),
    has: source.has === undefined ? undefined : (k) => source.has?.(k) ?? true,
    async embed(keys, onProgress) {
      const dim = model.outputs[0].shape[1] as number;
      const data = new Float32Array(keys.length * dim);
      const chunk = 8 * BATCH;
      for (let i = 0; i < keys.length; i += chunk) {
        data.set(await embedWith(model, source, keys.slice(i, i + chunk), true), i * dim);
        onProgress?.({ done: Math.min(keys.length, i + chunk), total: keys.length, label: name });
      }
      return { data, dim };
    },
    dispose() {
      model.dispose();
      source.dispose();
    },
  };
}

/** Pixels read once per evaluation (no decoded-image cache), resampled with `resize`. */
function onePassPixels(shape: Shape3, scale: TensorScale, resize?: ResizeKernel) {
  return new PixelInputSource({ kind: 'pixels', shape, scale, cache: false, resize });
}

/** A baseline's name, with the kernel when one was asked for (e.g. raw-pixels-linear). */
const withKernel = (name: string, resize?: ResizeKernel) =>
  resize === undefined ? name : `${name}-${resize}`;

/** Raw pixels, flattened and L2-normalised (the weakest sensible baseline). */
export function rawPixelEmbedder(shape: Shape3, resize?: ResizeKernel): Embedder {
  const source = onePassPixels(shape, '0-1', resize);
  return sourceEmbedder(
    withKernel('raw-pixels', resize),
    source,
    (x) => {
      const flat = x.reshape([x.shape[0], -1]) as tf.Tensor2D;
      return tf.div(flat, tf.maximum(tf.norm(flat, 2, 1, true), 1e-12)) as tf.Tensor2D;
    },
    {
      kind: 'raw-pixels',
      shape: [...shape],
      scale: '0-1',
      normalise: 'l2',
      resize: resize ?? 'lanczos3',
    },
  );
}

/** A freshly initialised (untrained) head on pixels: what training starts from. */
export function untrainedHeadEmbedder(
  head: string,
  headConfig: Record<string, unknown>,
  shape: Shape3,
  resize?: ResizeKernel,
): Embedder {
  // The source first: a bad kernel throws before there is a model to free.
  const source = onePassPixels(shape, '0-1', resize);
  const model = createHead(head, {
    ...headConfig,
    inputMode: 'pixels',
    inputShape: shape,
  } as never);
  return modelEmbedder(withKernel(`untrained-${head}`, resize), model, source, {
    kind: 'untrained-head',
    head,
    config: JSON.parse(JSON.stringify(headConfig)) as JsonObject,
    shape: [...shape],
    resize: resize ?? 'lanczos3',
  });
}

/**
 * A backbone's own final output as the embedding: face-api's 128-d identity descriptor
 * (`faceapi-recognition`) or its 7 expression probabilities (`faceapi-expression`), on faces
 * prepared as the backbone's preprocessing record says (whole image, resized, RGB 0..255).
 * `resize` changes the kernel (default the record's, lanczos3): face-api.js itself resizes
 * bilinearly, and the outputs depend on it (models/README.md).
 */
export async function backboneOutputEmbedder(
  name: string,
  resize?: ResizeKernel,
): Promise<Embedder> {
  const { createBackbone } = await import('../features/index.js');
  const backbone = await createBackbone(name);
  const pre = backbone.preprocess;
  const [h, w] = pre.size;
  let source: PixelInputSource;
  try {
    if (pre.colour === 'grey') {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `backbone ${name} reads grey faces; not supported here`,
      );
    }
    source = onePassPixels([h, w, 3], '0-255', resize ?? pre.resize.kernel);
  } catch (e) {
    backbone.dispose();
    throw e;
  }
  return sourceEmbedder(
    withKernel(`${name}-output`, resize),
    source,
    (x) => {
      const { features, output } = backbone.forward(x);
      features.dispose();
      return output;
    },
    {
      kind: 'backbone-output',
      backbone: backbone.ref() as unknown as JsonObject,
      output: backbone.outputKind,
      resize: resize ?? pre.resize.kernel,
    },
    () => backbone.dispose(),
  );
}

/**
 * A frozen classifier's own output as the embedding: Human's 7 emotion probabilities
 * (`human-emotion`), in exprsim's label order. Each image is read at its own size (RGB; grey
 * replicated) and prepared by the classifier itself (Human: bilinear resize to 64x64, weighted
 * grey, -1..1), as the network was meant to be fed, rather than through a pixel source's resize.
 */
export async function classifierOutputEmbedder(name: string): Promise<Embedder> {
  const { createClassifier } = await import('../features/index.js');
  const classifier = await createClassifier(name);
  const dim = classifier.outputSize;
  return {
    name: `${name}-output`,
    info: {
      kind: 'classifier-output',
      classifier: classifier.ref() as unknown as JsonObject,
      output: classifier.outputKind,
      labels: [...classifier.labels],
    },
    keyFor: (_s, _k, path) => path,
    async embed(keys, onProgress) {
      const data = new Float32Array(keys.length * dim);
      for (let i = 0; i < keys.length; i += BATCH) {
        const imgs = await Promise.all(
          keys.slice(i, i + BATCH).map((k) => readImage(k, { channels: 3, failOn: 'error' })),
        );
        const y = classifier.predictImages(imgs);
        data.set((await y.data()) as Float32Array, i * dim);
        y.dispose();
        onProgress?.({ done: Math.min(keys.length, i + BATCH), total: keys.length, label: name });
      }
      return { data, dim };
    },
    dispose: () => classifier.dispose(),
  };
}

/** The pixel source a pixel model's manifest describes (its preprocessing record). */
function pixelSourceFor(m: LoadedModel): PixelInputSource {
  const pre = m.manifest.preprocess as {
    normalise?: { mean: number[]; divisor: number };
    resize?: { kernel?: ResizeKernel };
  };
  const scale = pre.normalise ? scaleOfNormalise(pre.normalise) : '0-1';
  if (scale === undefined) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      'the model normalises pixels in a way exprsim eval does not know',
      {
        fix: 'embed with `exprsim embed` instead',
      },
    );
  }
  return onePassPixels(m.manifest.inputShape, scale, pre.resize?.kernel);
}

/**
 * A trained model folder as an embedder. Pixel heads read the images as the manifest's
 * preprocessing says; backbone heads read a feature cache (`features`, fast) or run the backbone
 * on the images (src/features' createEmbedder).
 */
export async function openModelEmbedder(
  dir: string,
  options: {
    features?: string;
    mirrorFeatures?: string;
    name?: string;
    /** Flip-average even if the model's manifest does not ask for it (scoring the option). */
    averageFlip?: boolean;
  } = {},
): Promise<Embedder> {
  const m = await loadModel(dir);
  if (options.averageFlip === true) m.manifest.averageFlip = true;
  const averageFlip = m.manifest.averageFlip === true;
  const info: JsonObject = {
    kind: 'model',
    dir,
    head: m.manifest.head.name,
    backbone: m.manifest.backbone as unknown as JsonObject,
    ...(averageFlip ? { averageFlip } : {}),
    ...(m.manifest.metrics ? { trainingMetrics: m.manifest.metrics } : {}),
  };
  const name = options.name ?? `model:${m.manifest.head.name}`;
  if (options.mirrorFeatures !== undefined && options.features === undefined) {
    m.model.dispose();
    throw new ExprsimError('E_BAD_OPTION', '`mirrorFeatures` goes with `features`', {
      input: options.mirrorFeatures,
      fix: 'pass the unmirrored cache as `features` too',
      option: 'mirrorFeatures',
    });
  }
  if (options.mirrorFeatures !== undefined && !averageFlip) {
    logger.warn(
      `${dir} does not average flips: its mirrored feature cache is not used (ask for flip averaging to score it that way)`,
    );
  }
  if (m.manifest.backbone === 'pixels')
    return modelEmbedder(name, m.model, pixelSourceFor(m), info, averageFlip);
  if (options.features !== undefined) {
    if (averageFlip && options.mirrorFeatures === undefined) {
      m.model.dispose();
      throw new ExprsimError(
        'E_BAD_OPTION',
        'the model averages each face with its mirror image: it needs the mirrored view of the cache too',
        {
          input: options.features,
          fix: 'pass `mirrorFeatures` (the same feature extraction with `mirror`), or drop `features` to run the backbone on the images',
          option: 'mirrorFeatures',
        },
      );
    }
    let source: FeatureInputSource;
    try {
      source = (await openInputSource({
        kind: 'features',
        cache: options.features,
        ...(averageFlip && options.mirrorFeatures !== undefined
          ? { mirror: options.mirrorFeatures }
          : {}),
      })) as FeatureInputSource;
    } catch (e) {
      m.model.dispose();
      throw e;
    }
    const want = m.manifest.backbone;
    if (source.backbone.name !== want.name || source.backbone.version !== want.version) {
      source.dispose();
      m.model.dispose();
      throw new ExprsimError(
        'E_CACHE_MISMATCH',
        `the cache holds ${source.backbone.name} ${source.backbone.version} features, the model reads ${want.name} ${want.version}`,
        { input: options.features, fix: 'pass the feature cache the model was trained on' },
      );
    }
    // Same backbone, other preprocessing (crop, alignment, resize kernel, …): the scores would
    // not be the model's on images. Allowed, to measure exactly that, but said and recorded.
    const differs = preprocessDifferences(source.preprocess, m.manifest.preprocess);
    if (differs.length > 0) {
      logger.warn(
        `${options.features} was prepared otherwise than ${dir} (${differs.join('; ')}): its scores are not the model's on images`,
      );
      info.preprocessDiffers = differs;
    }
    return modelEmbedder(name, m.model, source, info, averageFlip);
  }
  const { createEmbedder } = await import('./face-embedder.js');
  const fe = await createEmbedder(m);
  const channels = fe.preprocess.colour === 'grey' ? 1 : 3;
  return {
    name,
    info,
    keyFor: (_s, _k, path) => path,
    async embed(keys, onProgress) {
      const dim = fe.embeddingSize;
      const data = new Float32Array(keys.length * dim);
      for (let i = 0; i < keys.length; i += BATCH) {
        const imgs = await Promise.all(
          keys.slice(i, i + BATCH).map((k) => readImage(k, { channels, failOn: 'error' })),
        );
        const vs = await fe.embedFaces(imgs);
        vs.forEach((v, j) => data.set(v, (i + j) * dim));
        onProgress?.({ done: Math.min(keys.length, i + BATCH), total: keys.length, label: name });
      }
      return { data, dim };
    },
    dispose: () => fe.dispose(),
  };
}
