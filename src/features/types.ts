import type * as tf from '@tensorflow/tfjs';
import type { RawImage } from '../image/types.js';
import type { BackboneRef, Shape3 } from '../core/types.js';
import type { FeaturePreprocess } from './preprocess.js';

/** The registered backbone names. */
export type BackboneName = 'faceapi-recognition' | 'faceapi-expression';

/** What a backbone's final output is: an identity descriptor or expression probabilities. */
export type BackboneOutputKind = 'descriptor' | 'expression-probabilities';

/** The result of a full forward pass: the exposed feature map and the network's own output. */
export interface BackboneForward {
  /** [batch, h, w, c]: the intermediate map the backbone exposes (its `layer`). */
  features: tf.Tensor4D;
  /** [batch, outputSize]: the 128-d descriptor or the 7 expression probabilities. */
  output: tf.Tensor2D;
}

/**
 * A frozen, pretrained face network that maps face crops to an intermediate feature map (what
 * the heads train on, cached by `extractFeatures`) and to its own final output (a baseline).
 */
export interface Backbone {
  readonly name: BackboneName;
  /**
   * `<first 16 hex of the weights' sha256>:<layer>`: changes when the weights or the exposed
   * layer change, and is what feature caches and model manifests record and check.
   */
  readonly version: string;
  /** Full sha256 of the weight shards. */
  readonly weightsSha256: string;
  /** The resolved configuration (layer, input size), JSON. */
  readonly config: Readonly<{ layer: string; inputSize: number }>;
  /** Pixel input [h, w, 3]. */
  readonly inputShape: Shape3;
  /** The exposed feature map [h, w, c] at `inputShape`. */
  readonly featureShape: Shape3;
  readonly outputKind: BackboneOutputKind;
  readonly outputSize: number;
  /** Names of the output values (expression labels), when they have names. */
  readonly outputLabels?: readonly string[];
  /** How faces must be prepared for it (size, colour, normalisation it applies). */
  readonly preprocess: FeaturePreprocess;
  /** `{ name, version }` for model manifests. */
  ref(): BackboneRef;
  /** Pixels [batch, h, w, 3] in 0..255 (float32) → the feature map. Tidy; the caller disposes. */
  features(pixels: tf.Tensor4D): tf.Tensor4D;
  /** Pixels → feature map and final output in one pass. */
  forward(pixels: tf.Tensor4D): BackboneForward;
  /** Frees the weights. The backbone cannot be used afterwards. */
  dispose(): void;
}

/** Options every backbone takes. */
export interface BackboneConfig {
  /** The layer whose output is exposed; each backbone lists its own (see its docs). */
  layer?: string;
  /** Side of the square pixel input; default the size the network was trained at. */
  inputSize?: number;
  /** Directory holding `<backbone>/` weight folders; default modelDir() (models/). */
  modelDir?: string;
}

/** The registered frozen classifiers (src/features/classifiers.ts). */
export type ClassifierName = 'human-emotion';

/**
 * A frozen, pretrained expression classifier used as it is: face images → class probabilities.
 * Unlike a {@link Backbone} it exposes no feature map (heads do not train on it) and carries its
 * own preprocessing (size, colour, normalisation); the baselines score its output as an
 * embedding.
 */
export interface ExpressionClassifier {
  readonly name: ClassifierName;
  /** First 16 hex digits of the sha256 of its weights. */
  readonly version: string;
  readonly weightsSha256: string;
  readonly outputKind: 'expression-probabilities';
  readonly outputSize: number;
  /** The output's labels, in exprsim's order (angry, disgust, fear, happy, neutral, sad, surprise). */
  readonly labels: readonly string[];
  /** `{ name, version }`, for reports. */
  ref(): BackboneRef;
  /** Pixels [batch, h, w, 3 or 1] in 0..255 → probabilities [batch, outputSize]. Tidy. */
  predict(pixels: tf.Tensor4D): tf.Tensor2D;
  /** Images of any sizes → probabilities [n, outputSize]. Tidy. */
  predictImages(images: readonly RawImage[]): tf.Tensor2D;
  /** Frees the weights. The classifier cannot be used afterwards. */
  dispose(): void;
}

/** Options every classifier takes. */
export interface ClassifierConfig {
  /** Directory holding `<classifier>/` weight folders; default modelDir() (models/). */
  modelDir?: string;
}
