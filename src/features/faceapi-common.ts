import * as tf from '@tensorflow/tfjs';
import { loadWeightsManifest, type LoadedWeights } from '../engine/weights-manifest.js';
import { ExprsimError } from '../core/errors.js';
import { joinPath } from '../core/files.js';
import type { BackboneRef, Shape3 } from '../core/types.js';
import { modelDir } from '../core/paths.js';
import { resolveLayerAndSize } from './options.js';
import { wholeImagePreprocess, type FeaturePreprocess } from './preprocess.js';
import type {
  Backbone,
  BackboneConfig,
  BackboneForward,
  BackboneName,
  BackboneOutputKind,
} from './types.js';

/** face-api's input normalisation, shared by its nets: `(v - meanRGB) / 255`. */
export const FACEAPI_MEAN_RGB = [122.782, 117.001, 104.298];

/** Where a face-api net's weights are, how it is configured, and its layer and size limits. */
export interface FaceApiNet<L extends string> {
  name: BackboneName;
  /** Folder under the model directory, and the manifest file in it. */
  folder: string;
  manifest: string;
  layers: readonly L[];
  defaultLayer: L;
  defaultSize: number;
  size: { min: number; max: number };
}

/**
 * Validates a face-api backbone's config and loads its shipped weights
 * (`<modelDir>/<folder>/<manifest>`); `path` is the manifest, for error messages.
 */
export async function loadFaceApiNet<L extends string>(
  net: FaceApiNet<L>,
  config: BackboneConfig,
): Promise<LoadedWeights & { path: string; resolved: { layer: L; inputSize: number } }> {
  const resolved = resolveLayerAndSize(
    net.name,
    config,
    net.layers,
    net.defaultLayer,
    net.defaultSize,
    net.size,
  ) as { layer: L; inputSize: number };
  const path = joinPath(config.modelDir ?? modelDir(), net.folder, net.manifest);
  return { ...(await loadWeightsManifest(path)), path, resolved };
}

/** One stage of a face-api trunk; `tap` names the layer its output is, when it is exposed. */
export interface FaceApiStage<L extends string> {
  apply(x: tf.Tensor4D): tf.Tensor4D;
  tap?: L;
}

/**
 * What the face-api backbones share: version, input shape and preprocessing from the weights and
 * the config; `features` / `forward` running the normalisation, the net's stem and its stages up
 * to the exposed layer (or all of them, then the net's own output); `ref`; use-after-dispose
 * checks. A subclass gives its stages, stem, output and the tensors to free.
 */
export abstract class FaceApiBackbone<L extends string> implements Backbone {
  abstract readonly name: BackboneName;
  abstract readonly outputKind: BackboneOutputKind;
  abstract readonly outputSize: number;
  abstract readonly featureShape: Shape3;
  readonly version: string;
  readonly inputShape: Shape3;
  readonly preprocess: FeaturePreprocess;
  private disposed = false;

  protected constructor(
    readonly config: Readonly<{ layer: L; inputSize: number }>,
    readonly weightsSha256: string,
  ) {
    this.version = `${weightsSha256.slice(0, 16)}:${config.layer}`;
    this.inputShape = [config.inputSize, config.inputSize, 3];
    this.preprocess = wholeImagePreprocess(config.inputSize, {
      mean: FACEAPI_MEAN_RGB,
      divisor: 255,
    });
  }

  /** The trunk's stages, in order. */
  protected abstract readonly stages: readonly FaceApiStage<L>[];
  /** What runs on the normalised input before the stages (none by default). */
  protected stem(x: tf.Tensor4D): tf.Tensor4D {
    return x;
  }
  /** The net's own output from the last stage's map. */
  protected abstract output(last: tf.Tensor4D): tf.Tensor2D;
  /** Frees the weights (called once). */
  protected abstract release(): void;

  ref(): BackboneRef {
    return { name: this.name, version: this.version };
  }

  private run(pixels: tf.Tensor4D, full: boolean): { features: tf.Tensor4D; last: tf.Tensor4D } {
    const mean = tf.tensor1d(FACEAPI_MEAN_RGB);
    let x = this.stem(tf.div(tf.sub(pixels, mean), 255) as tf.Tensor4D);
    let features: tf.Tensor4D | undefined;
    for (const s of this.stages) {
      x = s.apply(x);
      if (s.tap === this.config.layer) {
        features = x;
        if (!full) break;
      }
    }
    return { features: features as tf.Tensor4D, last: x };
  }

  features(pixels: tf.Tensor4D): tf.Tensor4D {
    this.check();
    return tf.tidy(() => this.run(pixels, false).features);
  }

  forward(pixels: tf.Tensor4D): BackboneForward {
    this.check();
    return tf.tidy(() => {
      const { features, last } = this.run(pixels, true);
      return { features, output: this.output(last) };
    });
  }

  private check(): void {
    if (this.disposed)
      throw new ExprsimError('E_BAD_OPTION', `the ${this.name} backbone was disposed`, {
        fix: 'create a new one with createBackbone',
      });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }
}
