/**
 * exprsim's one public entry. The server and the web app import from here only; the CLI loads
 * the stage modules its command needs when the command runs (so that `--help` or a data command
 * never loads TensorFlow.js), and imports only tfjs-free modules up front.
 */
export {
  ExprsimError,
  isExprsimError,
  type ErrorCode,
  type ExprsimErrorOptions,
} from './errors.js';
export {
  logger,
  setLogLevel,
  getLogLevel,
  setLogSink,
  type LogLevel,
  type LogSink,
} from './logger.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
export {
  DEFAULT_MODEL_NAME,
  PACKAGE_ROOT,
  defaultModelPath,
  modelDir,
  packageVersion,
} from './paths.js';
export * from './engine/index.js';
export * from './image/index.js';
export * from './models/index.js';
export * from './train/index.js';
export * from './eval/index.js';
export * from './data/index.js';
export * from './features/index.js';
export * from './detect/index.js';
export * from './align/index.js';
export * from './search/index.js';
export * from './serve/index.js';
export { runSelfCheck, type SelfCheckResult } from './self-check.js';
export * from './report/index.js';
