// The embedding defaults, without TensorFlow.js: the library's resolvers and the CLI's help
// both read them.
import type { OptionSpec } from '../core/option-spec.js';
import { DEFAULT_DETECT_MARGIN, DEFAULT_EMBED_BATCH } from '../features/defaults.js';

export { DEFAULT_DETECT_MARGIN, DEFAULT_EMBED_BATCH };

/** What `embedImages` (and `exprsim embed`) use when an option is left out. */
export const DEFAULT_EMBED = Object.freeze({
  /** Faces per forward pass. */
  batchSize: DEFAULT_EMBED_BATCH,
  /** Margin around detected boxes when the model's record gives none. */
  margin: DEFAULT_DETECT_MARGIN,
  /** Find the faces in the images first (else each image is a face crop). */
  detect: true,
  /** The detector when the model's record names none. */
  detector: 'mtcnn',
});

/** `frameModel`'s defaults: every detector, 1,000 training crops. */
export const DEFAULT_FRAME_MODEL = Object.freeze({
  detectors: Object.freeze(['mtcnn', 'blazeface', 'viola-jones']) as readonly string[],
  count: 1000,
  seed: 1,
});

/** `exprsim embed`'s options, in the order of its help (as EmbedImagesOptions). */
export const EMBED_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  {
    flags: '--model <dir>',
    help: 'a model folder (default: the shipped models/exprsim-default)',
  },
  {
    flags: '--out <file>',
    help: 'output: .jsonl, .csv or .npy (+ <name>.rows.csv)',
    required: true,
  },
  { flags: '--no-detect', help: 'the images are face crops already: embed each whole image' },
  {
    flags: '--detector <name>',
    help: `face detector for photos (default: the one the model’s record names, else ${DEFAULT_EMBED.detector})`,
  },
  { flags: '--max-faces <n>', help: 'at most n faces per image (highest scores first)' },
  {
    flags: '--margin <m>',
    help: `margin around detected boxes, fraction of their size (default: the model’s, else ${DEFAULT_EMBED.margin})`,
  },
  {
    flags: '--batch-size <n>',
    help: `faces per forward pass (default ${DEFAULT_EMBED.batchSize})`,
  },
]);

/** `exprsim frame`'s options (as FrameModelOptions). */
export const FRAME_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  { flags: '--model <dir>', help: 'a model trained on ready-made face crops', required: true },
  {
    flags: '--detectors <list>',
    help: `comma-separated detectors (default ${DEFAULT_FRAME_MODEL.detectors.join(',')})`,
  },
  { flags: '--count <n>', help: `crops sampled (default ${DEFAULT_FRAME_MODEL.count})` },
  { flags: '--seed <s>', help: `sampling and pasting seed (default ${DEFAULT_FRAME_MODEL.seed})` },
  { flags: '--write', help: "store the framings in the model's model.json" },
]);
