// The search and indexing defaults, without TensorFlow.js: the library reads them where an
// option is left out, and the CLI's help shows them.

export const DEFAULT_SEARCH = Object.freeze({
  /** Neighbours a search returns. */
  k: 10,
  /** The most neighbours `exprsim search` may ask for. */
  maxK: 10_000,
  /** The detector that finds the faces of photos (indexed and queried alike). */
  detector: 'mtcnn',
  /** Indexing removes the records of photos that no longer exist. */
  prune: true,
});
