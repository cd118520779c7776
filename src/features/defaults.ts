// The feature and embedding defaults, without TensorFlow.js (the CLI's help shows them);
// cache.ts and embed.ts re-export them.
import {
  ALIGN_MODES,
  DEFAULT_PREPROCESS,
  MASK_MODES,
  NO_FACE_MODES,
  RESIZE_KERNELS,
} from '../align/defaults.js';
import type { OptionSpec } from '../core/option-spec.js';
import { DETECTOR_NAMES } from '../detect/defaults.js';
import { BACKBONE_NAMES } from './registry.js';

/** Faces per shard by default: 1024 (8 MiB per shard for a 4x4x256 map). */
export const DEFAULT_SHARD_SIZE = 1024;
/** Faces per forward pass by default. */
export const DEFAULT_FEATURE_BATCH = 32;
/** Faces per forward pass of embedding; passed to predict explicitly (tfjs would split at 32). */
export const DEFAULT_EMBED_BATCH = 32;
/** Margin around a detected face box when the model's record does not give one (as FEC crops). */
export const DEFAULT_DETECT_MARGIN = DEFAULT_PREPROCESS.margin;

/** What `extractFeatures` (and `exprsim features`) use when an option is left out. */
export const DEFAULT_FEATURES = Object.freeze({
  /** Faces per shard. */
  shardSize: DEFAULT_SHARD_SIZE,
  /** Faces per forward pass. */
  batchSize: DEFAULT_FEATURE_BATCH,
  /** Faces are not mirrored. */
  mirror: false,
});

// The backbone names, for the CLI's help (the registry loads a backbone only when one is made).
export { BACKBONE_NAMES };

const P = DEFAULT_PREPROCESS;

/** `exprsim features`' options, in the order of its help (as ExtractDatasetFeaturesOptions). */
export const FEATURES_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  { flags: '--backbone <name>', help: `backbone: ${BACKBONE_NAMES.join(', ')}`, required: true },
  {
    flags: '--layer <layer>',
    help: 'the layer to expose (default: the backbone’s; see src/features/README.md)',
  },
  {
    flags: '--out <dir>',
    key: 'outDir',
    help: 'cache folder (rerun with the same arguments to resume)',
    required: true,
  },
  { flags: '--shard-size <n>', help: `faces per shard (default ${DEFAULT_FEATURES.shardSize})` },
  {
    flags: '--batch-size <n>',
    help: `faces per forward pass (default ${DEFAULT_FEATURES.batchSize})`,
  },
  { flags: '--limit <n>', help: 'only the first n images (sorted by key), for a quick trial' },
  {
    flags: '--detector <name>',
    help: `crop the highest-scoring face a detector finds (${DETECTOR_NAMES.join(', ')}); default: images are face crops`,
  },
  {
    flags: '--margin <m>',
    help: `with --detector: context around the box, fraction of its size (${P.margin})`,
  },
  {
    flags: '--pad <p>',
    help: `with --detector: frame images in black by this fraction of their shorter side before detecting, so faces filling tight crops (FER2013) are found (${P.pad})`,
  },
  {
    flags: '--when-no-face <mode>',
    key: 'noFace',
    help: `with --detector: images without a face: ${NO_FACE_MODES.join(' | ')} (default ${P.noFace}; whole-image keeps every image, for comparing detectors)`,
  },
  {
    flags: '--align <mode>',
    help: `with --detector: ${ALIGN_MODES.join(' | ')} (default ${P.align})`,
  },
  {
    flags: '--mask <mode>',
    help: `black out non-face pixels: ${MASK_MODES.join(' | ')} (default ${P.mask}); without --detector the face box is the whole image`,
  },
  {
    flags: '--resize <kernel>',
    help: `resampling to the backbone's input: ${RESIZE_KERNELS.join(', ')} (default: the backbone's, ${P.resize.kernel})`,
  },
  {
    flags: '--mirror',
    help: 'mirror every face left to right before the backbone: the mirrored view of the same images, for `train --flip` and flip averaging (`--mirror-features`)',
  },
]);
