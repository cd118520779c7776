/**
 * The detector comparison (run in its own process): `runDetectBench` on the shared data folder —
 * FER2013 PrivateTest crops, the WIDER FACE subset and the shared photos — the same scores as
 * `exprsim detect-bench`. Prints one JSON line: the machine line for the report and the result;
 * bench/run.ts renders it into docs/detect-bench.md and the `detect` section of BENCHMARKS.md.
 *
 *   node --import tsx bench/suites/detect-compare.ts [--data ../shared/data] [--detectors a,b]
 *     [--fer-sample 500] [--fer-padding 0.25] [--wider-limit N] [--quick]
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DEFAULT_DETECT_BENCH,
  initEngine,
  parseDetectorName,
  runDetectBench,
} from '../../src/index.js';
import { arg, quick } from '../args.js';

const root = new URL('../..', import.meta.url).pathname;
const d = DEFAULT_DETECT_BENCH;
const num = (name: string, def: number | undefined): number | undefined => {
  const v = arg(name, def === undefined ? '' : String(def));
  return v === '' ? undefined : Number(v);
};

const engine = await initEngine();
const started = performance.now();
const result = await runDetectBench({
  dataDir: resolve(root, arg('data', d.dataDir)),
  detectors: arg('detectors', d.detectors.join(','))
    .split(',')
    .map((s) => parseDetectorName(s.trim(), 'detectors')),
  ferSample: num('fer-sample', quick ? 20 : d.ferSample),
  ferPadding: num('fer-padding', d.ferPadding),
  widerLimit: num('wider-limit', quick ? 5 : undefined),
  speedImage256: join(root, 'test', 'fixtures', 'detect', 'astronaut-256.jpg'),
  onProgress: (e) => {
    if (e.done % 50 === 0 || e.done === e.total)
      process.stderr.write(`detect-compare: ${e.label} ${e.done}/${e.total}\n`);
  },
});
const machine = `${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}, tfjs ${engine.backend}${engine.simd ? ' SIMD' : ''}`;

process.stdout.write(
  `${JSON.stringify({
    suite: 'detect-compare',
    quick,
    machine,
    seconds: (performance.now() - started) / 1000,
    result,
  })}\n`,
);
