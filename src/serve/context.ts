import type { ResolvedServeOptions } from './options.js';
import type { SerialQueue } from './queue.js';

/** What every route needs: the resolved options and the one queue for model work. */
export interface ServeContext {
  readonly options: ResolvedServeOptions;
  readonly queue: SerialQueue;
}
