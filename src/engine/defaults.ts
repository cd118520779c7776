/**
 * The engine's names without TensorFlow.js, for the CLI's option parsing and help (every start
 * pays for what the CLI imports up front; the engine itself loads when a command runs).
 */
export {
  BACKEND_NAMES,
  kernelsLabel,
  parseBackendName,
  type BackendName,
} from './backend-names.js';
