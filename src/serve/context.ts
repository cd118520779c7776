import type { ResolvedServeOptions } from './options.js';
import type { SerialQueue } from './queue.js';
import type { HidePaths } from './hide-paths.js';
import type { DeviceView } from './device.js';

/** What every route needs: the resolved options, the one queue for model work, the path hider. */
export interface ServeContext {
  readonly options: ResolvedServeOptions;
  readonly queue: SerialQueue;
  /** Server paths out of text answered to clients (photo errors; error bodies do it themselves). */
  readonly hide: HidePaths;
  /** On-device mode: where the page loads it from, or why it is off. */
  readonly device: DeviceView;
}
