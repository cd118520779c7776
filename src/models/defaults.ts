/**
 * The models stage's input modes, default input shapes and shape parsing, without TensorFlow.js:
 * the CLI's option parsing and help read them at start-up.
 */
export {
  DEFAULT_FEATURE_SHAPE,
  DEFAULT_PIXEL_SHAPE,
  INPUT_MODES,
  type InputMode,
} from './heads/defaults.js';
export { parseShape3 } from './heads/options.js';
