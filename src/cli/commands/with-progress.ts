import type { ProgressCallback } from '../../core/index.js';
import type { GlobalOptions } from '../options.js';
import { progressBar, progressBarOnFirstEvent } from '../output.js';

/**
 * Runs `job` with a progress bar on stderr (for people only: see progressBar), ended however the
 * job ends. `fromFirstEvent`: the bar starts at the job's first event, so that its rate and ETA
 * leave out the loading of the model.
 */
export async function withProgressBar<T>(
  g: GlobalOptions,
  job: (onProgress: ProgressCallback) => Promise<T>,
  fromFirstEvent = false,
): Promise<T> {
  const bar = fromFirstEvent ? progressBarOnFirstEvent(g) : progressBar(g);
  try {
    return await job(bar.update);
  } finally {
    bar.done();
  }
}
