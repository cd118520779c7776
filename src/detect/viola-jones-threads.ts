import { Worker } from 'node:worker_threads';
import { ExprsimError } from '../core/errors.js';
import type { ScanRequest } from './viola-jones-scan.js';

type Reply = { id: number; hits?: Int32Array; error?: string };

/**
 * The worker script: the built .js, or from the .ts sources (tests, `node --import tsx`) a
 * module that registers tsx in the worker first (a worker thread does not inherit the hook).
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./viola-jones-worker.js', import.meta.url);
  const script = new URL('./viola-jones-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(script)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * A worker thread that scans part of a Viola-Jones pyramid (viola-jones-worker.ts). It keeps the
 * process alive only while a scan is pending, so a forgotten dispose() does not hang exit.
 */
export class ScanWorker {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (h: Int32Array) => void; reject: (e: Error) => void }
  >();
  private failed: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.hits !== undefined) p.resolve(m.hits);
      else
        p.reject(new ExprsimError('E_WORKER', `Viola-Jones scan worker: ${m.error ?? 'failed'}`));
    });
    const fail = (e: Error) => {
      this.failed ??= new ExprsimError(
        'E_WORKER',
        `Viola-Jones scan worker stopped: ${e.message}`,
        {
          fix: 'create the detector with threads: 1 to scan in one thread',
        },
      );
      for (const p of this.pending.values()) p.reject(this.failed);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  /** Starts a worker with its own opencv.js and the cascade at `cascadePath`. */
  static start(cascadePath: string): Promise<ScanWorker> {
    const worker = new Worker(workerEntry(), { workerData: { cascadePath } });
    return new Promise((resolve, reject) => {
      const onError = (e: Error) =>
        reject(
          new ExprsimError(
            'E_BACKEND_UNAVAILABLE',
            `cannot start the Viola-Jones scan worker: ${e.message}`,
            {
              fix: 'create the detector with threads: 1 to scan in one thread',
              cause: e,
            },
          ),
        );
      worker.once('error', onError);
      worker.once('exit', (code) => onError(new Error(`exited with code ${code}`)));
      worker.once('message', (m: { ready?: boolean; error?: string }) => {
        worker.off('error', onError);
        if (m.ready === true) {
          worker.unref();
          resolve(new ScanWorker(worker));
        } else {
          void worker.terminate();
          onError(new Error(m.error ?? 'no ready message'));
        }
      });
    });
  }

  /** Whether the worker can still scan (it has not stopped or been closed). */
  get alive(): boolean {
    return this.failed === undefined;
  }

  /** Raw hits of `req` (see viola-jones-scan.ts); the image bytes are copied, not moved. */
  scan(req: ScanRequest): Promise<Int32Array> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage({ ...req, id });
      } catch (e) {
        reject(new ExprsimError('E_WORKER', `Viola-Jones scan worker: ${(e as Error).message}`));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
    });
  }

  async close(): Promise<void> {
    this.failed ??= new ExprsimError('E_WORKER', 'the Viola-Jones detector has been disposed');
    await this.worker.terminate();
  }
}
