/**
 * Progress reporting for long library calls. Library functions take an optional `onProgress`
 * callback; the CLI turns it into a bar (see cli/progress-bar.ts). Keeping rendering out of the
 * library lets the server, tests and the browser use the same calls.
 */
export interface ProgressEvent {
  /** Items done so far. */
  done: number;
  /** Total items, when known. */
  total?: number;
  /** Short label of the current phase, e.g. "download" or "epoch 3". */
  label?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;
