/**
 * The bottom of the stage order: shared types, typed errors, the one logger, progress events,
 * package paths and small file helpers. Every other stage may import from here; core imports no
 * stage.
 */
export * from './types.js';
export * from './face.js';
export * from './errors.js';
export * from './logger.js';
export * from './progress.js';
export * from './paths.js';
export * from './fs.js';
export * from './prng.js';
export * from './round.js';
export * from './option-spec.js';
export * from './printable.js';
