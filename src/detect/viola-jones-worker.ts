/**
 * The Viola-Jones scan worker (a worker thread): its own opencv.js and cascade, scanning the
 * window-size range it is sent (viola-jones-scan.ts) and replying with the raw hits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExprsimError } from '../core/errors.js';
import { loadCascade, loadOpenCv } from './opencv.js';
import { scanRaw, type ScanRequest } from './viola-jones-scan.js';

const port = parentPort;
if (port === null) throw new Error('viola-jones-worker.ts runs as a worker thread');
try {
  const { cv } = await loadOpenCv();
  const classifier = await loadCascade(cv, (workerData as { cascadePath: string }).cascadePath);
  port.on('message', (m: ScanRequest & { id: number }) => {
    try {
      const hits = scanRaw(cv, classifier, m);
      port.postMessage({ id: m.id, hits }, [hits.buffer as ArrayBuffer]);
    } catch (e) {
      // opencv.js throws C++ exceptions as bare numbers.
      const text = e instanceof Error ? e.message : `opencv.js exception ${String(e)}`;
      port.postMessage({ id: m.id, error: text });
    }
  });
  port.postMessage({ ready: true });
} catch (e) {
  const err = e instanceof ExprsimError ? e.toLine() : (e as Error).message;
  port.postMessage({ ready: false, error: err });
}
