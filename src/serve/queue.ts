import { HttpError } from './errors.js';

/**
 * Runs jobs one at a time, in order: the model work (decode, detect, embed) of concurrent
 * uploads never overlaps, so memory holds one decoded photo and one batch of tensors at a time.
 * At most `maxWaiting` jobs wait; more are refused at once with 503 E_BUSY. A job that has not
 * finished `timeoutMs` after it was submitted is answered with 503 E_TIMEOUT (its work, if it
 * started, runs to the end in the background: tfjs cannot be interrupted).
 */
export interface SerialQueue {
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Jobs running or waiting. */
  readonly pending: number;
  /** Resolves when every submitted job has finished. */
  idle(): Promise<void>;
}

export function createSerialQueue(maxWaiting: number, timeoutMs: number): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  return {
    get pending() {
      return pending;
    },
    run<T>(job: () => Promise<T>): Promise<T> {
      // `pending` counts the running job too: refuse when more than maxWaiting would wait.
      if (pending > maxWaiting) {
        return Promise.reject(
          new HttpError(
            503,
            'E_BUSY',
            `the server is busy: ${pending} upload${pending === 1 ? ' is' : 's are'} being processed or waiting`,
            'retry in a few seconds',
          ),
        );
      }
      pending++;
      const started = Date.now();
      const result = tail.then(() => {
        if (Date.now() - started > timeoutMs) throw timeout(timeoutMs);
        return job();
      });
      tail = result.catch(() => undefined).finally(() => pending--);
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeout(timeoutMs)), timeoutMs);
        timer.unref();
      });
      return Promise.race([result, limit]).finally(() => clearTimeout(timer));
    },
    idle() {
      return tail.then(() => undefined);
    },
  };
}

function timeout(ms: number): HttpError {
  return new HttpError(
    503,
    'E_TIMEOUT',
    `the upload was not processed within ${ms / 1000} s`,
    'retry later, or send a smaller photo',
  );
}
