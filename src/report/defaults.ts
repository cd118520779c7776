/**
 * The report's documented defaults, without TensorFlow.js: the CLI's help reads them at
 * start-up, writeReport and t-SNE when they run.
 */

/** writeReport's defaults. */
export const DEFAULT_REPORT = Object.freeze({
  title: 'exprsim comparison',
  /** Steps in the moving average of the training-loss curves. */
  smoothing: 50,
});

/** t-SNE's defaults (the report's embedding maps). */
export const DEFAULT_TSNE = Object.freeze({
  /** Effective number of neighbours, capped at (n − 1) / 3. */
  perplexity: 30,
  /** Gradient-descent iterations. */
  iterations: 1000,
  earlyExaggeration: 12,
  /** Iterations with exaggerated P (and momentum 0.5). */
  exaggerationIterations: 250,
  /** Seeds the starting layout. */
  seed: 1,
});
