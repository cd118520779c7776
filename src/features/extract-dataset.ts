/**
 * `exprsim features` as one call: a dataset argument and flat options in, a feature cache out.
 * Resolves the dataset, the backbone and the detector by name, the preprocessing against the
 * backbone's record, and runs `extractFeatures`.
 */
import { toPreprocessConfig, type PreprocessOptions } from '../align/preprocess-options.js';
import { resolvePreprocessConfig } from '../align/preprocess.js';
import type { Detector } from '../core/face.js';
import type { ProgressCallback } from '../core/progress.js';
import { createDetector } from '../detect/registry.js';
import { initEngine, type BackendName } from '../engine/backend.js';
import { resolveFeatureDataset, type FeatureDataset } from './dataset.js';
import { extractFeatures, type ExtractFeaturesResult } from './extract-features.js';
import { createBackbone, isBackboneName } from './registry.js';

export interface ExtractDatasetFeaturesOptions extends PreprocessOptions {
  /** A labels CSV (path,label[,split]), an image folder, or a triplet folder (dataset.json). */
  dataset: string;
  /** The backbone's name (`BACKBONE_NAMES`). */
  backbone: string;
  /** The layer to expose; default the backbone's (see README). */
  layer?: string;
  /** The cache folder; rerun with the same options to resume. */
  outDir: string;
  /** Only the first n images (sorted by key), for a quick trial. */
  limit?: number;
  /** Mirror every face left to right before the backbone; default false. */
  mirror?: boolean;
  /** Faces per shard; default `DEFAULT_FEATURES.shardSize`. */
  shardSize?: number;
  /** Faces per forward pass; default `DEFAULT_FEATURES.batchSize`. */
  batchSize?: number;
  /** The tensor backend to start (after the options are checked); default the engine's choice. */
  backend?: BackendName;
  onProgress?: ProgressCallback;
}

export interface ExtractDatasetFeaturesResult extends ExtractFeaturesResult {
  dataset: {
    kind: FeatureDataset['kind'];
    input: string;
    /** Images asked for (after `limit`). */
    images: number;
    /** Dataset rows left out (bad rows, missing files). */
    skippedRows: number;
  };
  /** Wall-clock seconds of the extraction. */
  seconds: number;
  /** Faces per second of the faces computed now; undefined when every shard was done already. */
  facesPerSecond?: number;
}

/**
 * Extracts the features of a dataset into a cache (see `extractFeatures`). The preprocessing
 * options and the backbone name are checked before the engine starts (E_BAD_OPTION,
 * E_UNKNOWN_NAME); the detector's name when it is created.
 */
export async function extractDatasetFeatures(
  options: ExtractDatasetFeaturesOptions,
): Promise<ExtractDatasetFeaturesResult> {
  const config = toPreprocessConfig(options);
  // An unknown name throws the registry's E_UNKNOWN_NAME, before any weights or engine load.
  if (!isBackboneName(options.backbone)) await createBackbone(options.backbone);
  await initEngine({ backend: options.backend });
  const ds = await resolveFeatureDataset(options.dataset);
  const items = options.limit === undefined ? ds.items : ds.items.slice(0, options.limit);
  const backbone = await createBackbone(
    options.backbone,
    options.layer !== undefined ? { layer: options.layer } : {},
  );
  let detector: Detector | undefined;
  const started = performance.now();
  try {
    const preprocess = resolvePreprocessConfig(config, backbone.preprocess);
    if (options.detector !== undefined) detector = await createDetector(options.detector);
    const r = await extractFeatures({
      backbone,
      items,
      sources: ds.sources,
      outDir: options.outDir,
      preprocess,
      detector,
      mirror: options.mirror === true,
      shardSize: options.shardSize,
      batchSize: options.batchSize,
      onProgress: options.onProgress,
    });
    const seconds = (performance.now() - started) / 1000;
    const computed = r.shardsWritten > 0 ? items.length - r.shardsReused * r.manifest.shardSize : 0;
    return {
      ...r,
      dataset: {
        kind: ds.kind,
        input: ds.input,
        images: items.length,
        skippedRows: ds.skipped.count,
      },
      seconds,
      facesPerSecond: computed > 0 ? computed / seconds : undefined,
    };
  } finally {
    detector?.dispose();
    backbone.dispose();
  }
}
