// The image stage's command-line options and their values, without sharp: the CLI's option
// parsing and help read them at start-up.
import type { OptionSpec } from '../core/option-spec.js';
import { DEFAULT_MAX_PIXELS, type FailOn } from './types.js';

export type { ImageLimits } from './types.js';

/** The damage levels `failOn` takes, strictest last. */
export const FAIL_ON_LEVELS: readonly FailOn[] = Object.freeze(['truncated', 'error', 'warning']);

/** The command-line options of ImageLimits, for the commands that read photos. */
export const IMAGE_LIMIT_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  {
    flags: '--max-pixels <n>',
    help: `refuse images of more pixels than this (default ${DEFAULT_MAX_PIXELS})`,
  },
  {
    flags: '--fail-on <level>',
    help: `how damaged an image may be: ${FAIL_ON_LEVELS.join(', ')} (the default, strictest); truncated accepts minor damage`,
  },
]);
