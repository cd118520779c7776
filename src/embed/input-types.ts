import type * as tf from '@tensorflow/tfjs';
import type { BackboneRef, JsonObject, Shape3 } from '../core/types.js';
import type { ResizeKernel, TensorScale } from '../image/types.js';

/**
 * Where a head's inputs come from. Training and evaluation ask a source for the inputs of a list
 * of image keys (the resolved file paths of the triplet images) and get one [n, h, w, c] tensor.
 * Training workers build their own source from the same serialisable {@link InputSpec}, so data
 * never crosses process boundaries, only keys.
 */
export interface TripletInputSource {
  readonly spec: InputSpec;
  /** [h, w, c] of one input. */
  readonly inputShape: Shape3;
  /** The backbone for model manifests: 'pixels' for pixel inputs. */
  readonly backbone: BackboneRef | 'pixels';
  /** What to record as the model's `preprocess`. */
  readonly preprocess: JsonObject;
  /**
   * The key this source loads a triplet image by: the resolved file `path` for pixels, the
   * cache key of (`source`, `key`) for feature caches.
   */
  keyFor(source: string, key: string, path: string): string;
  /** The inputs of `keys`, in order: [keys.length, h, w, c]. The caller disposes the tensor. */
  load(keys: readonly string[]): Promise<tf.Tensor4D>;
  /** Whether `load` can give this key (feature caches hold only what was extracted). */
  has?(key: string): boolean;
  /**
   * The inputs of `keys` with the faces where `mirrored[i]` is true mirrored left to right (flip
   * augmentation, flip averaging). Absent when the source cannot: a feature cache without its
   * mirrored view.
   */
  loadMirrored?(keys: readonly string[], mirrored: readonly boolean[]): Promise<tf.Tensor4D>;
  dispose(): void;
}

/** Face crops decoded, resized to [h, w] and scaled; `c` 1 = grey (BT.601 luma), 3 = RGB. */
export interface PixelInputSpec {
  kind: 'pixels';
  shape: Shape3;
  /** Sample scaling (see imageToTensor); default '0-1'. */
  scale?: TensorScale;
  /** Keep decoded images in memory (default true; one-pass evaluation turns it off). */
  cache?: boolean;
  /** Resampling kernel to the input size (default 'lanczos3', as preprocessing records). */
  resize?: ResizeKernel;
}

/** A feature cache written by `exprsim features` (src/features). */
export interface FeatureInputSpec {
  kind: 'features';
  cache: string;
  /**
   * The same images' mirrored view (`exprsim features --mirror`), for flip augmentation and
   * flip averaging; absent = none.
   */
  mirror?: string;
}

/**
 * Deterministic pseudo-random inputs, one fixed tensor per key (seeded by the key's hash): for
 * benchmarks and tests that need realistic shapes without data.
 */
export interface RandomInputSpec {
  kind: 'random';
  shape: Shape3;
  seed?: number;
}

export type InputSpec = PixelInputSpec | FeatureInputSpec | RandomInputSpec;
