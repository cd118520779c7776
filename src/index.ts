/**
 * exprsim's one public entry. The server and the web app import from here only; the CLI loads
 * the stage modules its command needs when the command runs (so that `--help` or a data command
 * never loads TensorFlow.js), and imports only tfjs-free modules up front.
 */
export * from './core/index.js';
export * from './engine/index.js';
export * from './image/index.js';
export * from './models/index.js';
export * from './train/index.js';
export * from './eval/index.js';
export * from './data/index.js';
export * from './features/index.js';
export * from './detect/index.js';
export * from './align/index.js';
export * from './embed/index.js';
export * from './experiment/index.js';
export * from './search/index.js';
export * from './serve/index.js';
export * from './report/index.js';
export * from './web/index.js';
