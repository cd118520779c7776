import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { openFeatureCache, type FeatureCache } from '../features/index.js';
import { canonicalJson, samePreprocess } from '../features/preprocess.js';
import type { BackboneRef, JsonObject, Shape3 } from '../core/types.js';
import type { FeatureInputSpec, TripletInputSource } from './input-types.js';

/**
 * Head inputs from a feature cache written by `exprsim features`: float16 maps of a frozen
 * backbone, decoded to float32 per batch. Keys are the cache's keys (`keyFor(source, key)`).
 * With a mirrored cache of the same images (`spec.mirror`), faces can also be loaded mirrored.
 */
export class FeatureInputSource implements TripletInputSource {
  readonly spec: FeatureInputSpec;
  readonly inputShape: Shape3;
  readonly backbone: BackboneRef;
  readonly preprocess: JsonObject;
  readonly loadMirrored?: (
    keys: readonly string[],
    mirrored: readonly boolean[],
  ) => Promise<tf.Tensor4D>;
  private readonly cache: FeatureCache;
  private readonly mirror?: FeatureCache;

  constructor(spec: FeatureInputSpec, cache: FeatureCache, mirror?: FeatureCache) {
    this.spec = {
      kind: 'features',
      cache: spec.cache,
      ...(spec.mirror !== undefined ? { mirror: spec.mirror } : {}),
    };
    this.cache = cache;
    this.inputShape = [...cache.shape];
    this.backbone = { name: cache.backbone.name, version: cache.backbone.version };
    this.preprocess = JSON.parse(JSON.stringify(cache.preprocess)) as JsonObject;
    if (mirror !== undefined) {
      this.mirror = mirror;
      this.loadMirrored = async (keys, mirrored) => this.loadViews(keys, mirrored, mirror);
    }
  }

  has(key: string): boolean {
    return this.cache.has(key) && (this.mirror?.has(key) ?? true);
  }

  keyFor(source: string, key: string): string {
    return this.cache.keyFor(source, key);
  }

  async load(keys: readonly string[]): Promise<tf.Tensor4D> {
    return this.cache.batch(keys);
  }

  private loadViews(
    keys: readonly string[],
    mirrored: readonly boolean[],
    mirror: FeatureCache,
  ): tf.Tensor4D {
    if (mirrored.length !== keys.length) {
      throw new ExprsimError(
        'E_BAD_OPTION',
        `${mirrored.length} mirror flags for ${keys.length} keys`,
      );
    }
    if (mirrored.every(Boolean)) return mirror.batch(keys);
    const size = this.inputShape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(keys.length * size);
    keys.forEach((k, i) => out.set((mirrored[i] ? mirror : this.cache).get(k), i * size));
    return tf.tensor4d(out, [keys.length, ...this.inputShape]);
  }

  dispose(): void {
    this.cache.close();
    this.mirror?.close();
  }
}

/**
 * Checks that `mirror` is the mirrored view of `cache`: same backbone, preprocessing, image list
 * and shape, and extracted with `mirror` (while `cache` was not). E_CACHE_MISMATCH.
 */
function checkMirror(cache: FeatureCache, mirror: FeatureCache): void {
  const fail = (what: string, fix: string) =>
    new ExprsimError(
      'E_CACHE_MISMATCH',
      `${mirror.dir} is not the mirrored view of ${cache.dir}: ${what}`,
      {
        input: mirror.dir,
        fix,
      },
    );
  // Made by another command (exprsim features), so the message names its flag and the option.
  const extract =
    'extract it with the same `exprsim features` command plus `--mirror` (in the library, `mirror`)';
  if (mirror.manifest.mirror !== true)
    throw fail('it was not made with `--mirror` (`mirror`)', extract);
  if (cache.manifest.mirror === true) {
    throw fail(
      `${cache.dir} itself is mirrored`,
      'swap them: the unmirrored cache is the features, this one their mirrored view',
    );
  }
  if (
    mirror.backbone.name !== cache.backbone.name ||
    mirror.backbone.version !== cache.backbone.version
  ) {
    throw fail(
      `backbone ${mirror.backbone.name} ${mirror.backbone.version} vs ${cache.backbone.name} ${cache.backbone.version}`,
      extract,
    );
  }
  if (!samePreprocess(mirror.preprocess, cache.preprocess)) {
    throw fail(
      `preprocessing ${canonicalJson(mirror.preprocess)} vs ${canonicalJson(cache.preprocess)}`,
      extract,
    );
  }
  if (mirror.shape.join('x') !== cache.shape.join('x')) {
    throw fail(`maps of ${mirror.shape.join('x')} vs ${cache.shape.join('x')}`, extract);
  }
  const detector = (c: FeatureCache) => canonicalJson(c.manifest.detector ?? null);
  if (detector(mirror) !== detector(cache)) {
    throw fail(`detector ${detector(mirror)} vs ${detector(cache)}`, extract);
  }
  if (mirror.manifest.keysSha256 !== cache.manifest.keysSha256) {
    throw fail(
      `a different image list (${mirror.manifest.count} vs ${cache.manifest.count} images)`,
      extract,
    );
  }
}

export async function openFeatureInputSource(spec: FeatureInputSpec): Promise<FeatureInputSource> {
  const cache = await openFeatureCache(spec.cache);
  if (spec.mirror === undefined) {
    if (cache.manifest.mirror === true) {
      logger.warn(
        `${spec.cache} holds mirrored faces (a mirrored extraction); using them as they are`,
      );
    }
    return new FeatureInputSource(spec, cache);
  }
  let mirror: FeatureCache | undefined;
  try {
    mirror = await openFeatureCache(spec.mirror);
    checkMirror(cache, mirror);
  } catch (e) {
    cache.close();
    mirror?.close();
    throw e;
  }
  return new FeatureInputSource(spec, cache, mirror);
}
