import type * as tf from '@tensorflow/tfjs';
import { openFeatureCache, type FeatureCache } from '../features/index.js';
import type { BackboneRef } from '../models/artifact.js';
import type { JsonObject, Shape3 } from '../models/heads/options.js';
import type { FeatureInputSpec, TripletInputSource } from './input-source.js';

/**
 * Head inputs from a feature cache written by `exprsim features`: float16 maps of a frozen
 * backbone, decoded to float32 per batch. Keys are the cache's keys (`keyFor(source, key)`).
 */
export class FeatureInputSource implements TripletInputSource {
  readonly spec: FeatureInputSpec;
  readonly inputShape: Shape3;
  readonly backbone: BackboneRef;
  readonly preprocess: JsonObject;
  private readonly cache: FeatureCache;

  constructor(spec: FeatureInputSpec, cache: FeatureCache) {
    this.spec = { kind: 'features', cache: spec.cache };
    this.cache = cache;
    this.inputShape = [...cache.shape];
    this.backbone = { name: cache.backbone.name, version: cache.backbone.version };
    this.preprocess = JSON.parse(JSON.stringify(cache.preprocess)) as JsonObject;
  }

  has(key: string): boolean {
    return this.cache.has(key);
  }

  keyFor(source: string, key: string): string {
    return this.cache.keyFor(source, key);
  }

  async load(keys: readonly string[]): Promise<tf.Tensor4D> {
    return this.cache.batch(keys);
  }

  dispose(): void {
    this.cache.close();
  }
}

export async function openFeatureInputSource(spec: FeatureInputSpec): Promise<FeatureInputSource> {
  return new FeatureInputSource(spec, await openFeatureCache(spec.cache));
}
