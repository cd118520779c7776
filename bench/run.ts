/**
 * `npm run bench`: runs each benchmark suite in its own process (one backend per process, so
 * one backend's memory and threads don't disturb another), collects their JSON, writes
 * bench/results/<suite>.json and rewrites the matching section of BENCHMARKS.md.
 *
 *   npm run bench                    # all suites
 *   npm run bench -- engine          # one suite: engine, train, heads, backbones, serve, search,
 *                                    # ann
 *                                    # or detect (also docs/detect-bench.md)
 *   npm run bench -- --quick         # fewer repetitions (a smoke run; not for BENCHMARKS.md)
 *   npm run bench -- engine --versus-only   # only the engine's interleaved rounds against
 *                                    # PyTorch (section engine-versus)
 *   npm run bench -- engine --pipeline-only # only the default model's faces/s and `exprsim
 *                                    # index` photos/s per native library (engine-pipeline)
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/core/fs.js';
import { updateMarkedSection } from './markdown-section.js';
import {
  renderBackbonesSection,
  renderDetectSpeedSection,
  renderEngineSection,
  renderHeadsSection,
  renderAnnSection,
  renderSearchSection,
  renderServeSection,
  renderTrainSection,
} from './report.js';
import { quick } from './args.js';
import { renderDetectBench, renderDetectSection } from './detect-report.js';
import type { DetectBenchResult } from '../src/index.js';
import { renderVersusRows, runEngineVersus } from './engine-versus.js';
import { renderPipelineRows, runEnginePipeline } from './engine-pipeline.js';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const want = (s: string) => only.length === 0 || only.includes(s);

function runSuite(
  script: string,
  suiteArgs: string[],
  env: Record<string, string> = {},
): Record<string, unknown> {
  const envText = Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  process.stderr.write(`bench: ${envText}${script} ${suiteArgs.join(' ')}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, script), ...suiteArgs], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) return { error: `exit ${r.status}` };
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as Record<string, unknown>;
}

export const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
  // The machine is shared: a load average above the core count means the figures are pessimistic.
  loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
};

const updateSection = (name: string, body: string) =>
  updateMarkedSection(join(root, 'BENCHMARKS.md'), name, body);

const versusOnly = process.argv.includes('--versus-only');
const pipelineOnly = process.argv.includes('--pipeline-only');

if (want('engine') && !pipelineOnly) {
  // exprsim on oneDNN (1 and 2 threads) and on its old path against PyTorch, interleaved.
  const versus = runEngineVersus(root, quick ? 1 : 3, quick ? 2 : 5);
  await writeFileAtomic(
    join(root, 'bench/results/engine-versus.json'),
    `${JSON.stringify({ machine, quick, ...versus }, null, 2)}\n`,
  );
  const body = [
    `## Tensor engine against PyTorch`,
    '',
    `Command: \`npm run bench -- engine\` · ${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB · Node ${machine.node} · load average at start ${machine.loadAverage.join(', ')}.`,
    'The reference head (input [96,12,12,512], 32 triplets per step, Adam, FECNet loss), wasm backend with the native kernels.',
    '',
    ...renderVersusRows(versus),
  ].join('\n');
  if (!quick) await updateSection('engine-versus', body);
  process.stderr.write(`${body}\n`);
}

if (want('engine') && !versusOnly) {
  // The default model and `exprsim index` on oneDNN, on the old path (OpenBLAS) and on wasm.
  const pipeline = runEnginePipeline(root, quick ? 1 : 3, quick ? 10 : 40, quick ? 2 : 5);
  await writeFileAtomic(
    join(root, 'bench/results/engine-pipeline.json'),
    `${JSON.stringify({ machine, quick, ...pipeline }, null, 2)}\n`,
  );
  const body = [
    '## Tensor engine: the default model and `exprsim index`',
    '',
    `Command: \`npm run bench -- engine\` (or \`-- engine --pipeline-only\`) · ${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB · Node ${machine.node} · load average at start ${machine.loadAverage.join(', ')}.`,
    ...renderPipelineRows(pipeline),
  ].join('\n');
  if (!quick) await updateSection('engine-pipeline', body);
  process.stderr.write(`${body}\n`);
}

if (want('engine') && !versusOnly && !pipelineOnly) {
  const runs = quick ? '3' : '9';
  const rows: Record<string, unknown>[] = [];
  // wasm alone, then with the native BLAS kernels (if built): the ratio is what they buy.
  rows.push(
    runSuite('bench/suites/engine.ts', ['--backend', 'wasm', '--runs', runs], {
      EXPRSIM_NATIVE: '0',
    }),
  );
  rows.push(runSuite('bench/suites/engine.ts', ['--backend', 'wasm', '--runs', runs]));
  // cpu: no training row. Its convolution gradients are plain loops: one step of the reference
  // head takes minutes (over 5 min, once, under load), far from any useful speed.
  rows.push(
    runSuite('bench/suites/engine.ts', [
      ...['--backend', 'cpu', '--runs', quick ? '2' : '3', '--suites', 'matmul,embed'],
    ]),
  );
  const node = runSuite('bench/suites/engine.ts', ['--backend', 'node', '--runs', runs]);
  rows.push(node);
  const kernels = existsSync(join(root, 'bench/kernels.ts'))
    ? runSuite('bench/kernels.ts', quick ? ['--quick'] : [])
    : undefined;
  const result = { machine, quick, backends: rows, kernels };
  await writeFileAtomic(
    join(root, 'bench/results/engine.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  if (!quick) await updateSection('engine', renderEngineSection(result));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (want('heads')) {
  const result = runSuite('bench/suites/heads.ts', quick ? ['--quick'] : []);
  await writeFileAtomic(
    join(root, 'bench/results/heads.json'),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  if (!quick && result.error === undefined)
    await updateSection('heads', renderHeadsSection(machine, result));
}

if (want('backbones')) {
  const result = runSuite('bench/suites/backbones.ts', quick ? ['--quick'] : []);
  await writeFileAtomic(
    join(root, 'bench/results/backbones.json'),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  if (!quick && result.error === undefined)
    await updateSection('backbones', renderBackbonesSection(machine, result));
}

if (want('train')) {
  const result = runSuite('bench/suites/train.ts', quick ? ['--quick'] : []);
  await writeFileAtomic(
    join(root, 'bench/results/train.json'),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  if (!quick && result.error === undefined)
    await updateSection('train', renderTrainSection(machine, result));
}

if (want('serve')) {
  const result = runSuite('bench/suites/serve.ts', quick ? ['--quick'] : []);
  await writeFileAtomic(
    join(root, 'bench/results/serve.json'),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  if (!quick && result.error === undefined)
    await updateSection('serve', renderServeSection(machine, result));
}

if (want('search')) {
  const result = runSuite('bench/suites/search.ts', quick ? ['--quick'] : []);
  await writeFileAtomic(
    join(root, 'bench/results/search.json'),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  if (!quick && result.error === undefined)
    await updateSection('search', renderSearchSection(machine, result));
}

if (want('ann')) {
  // Section `ann`: exact vs HNSW (usearch beside SQLite, pgvector) and over HTTP, at 1M faces.
  // Tens of minutes (pgvector's index build is most of it): run alone on a quiet machine.
  const result = runSuite('bench/suites/ann.ts', quick ? ['--quick'] : []);
  await writeFileAtomic(
    join(root, 'bench/results/ann.json'),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  if (!quick && result.error === undefined)
    await updateSection('ann', renderAnnSection(machine, result));
}

if (want('detect')) {
  // Section `detect`: the detectors' scores (runDetectBench, as `exprsim detect-bench` prints
  // them), with the full tables in docs/detect-bench.md.
  const compare = runSuite('bench/suites/detect-compare.ts', quick ? ['--quick'] : []);
  if (!quick && compare.error === undefined) {
    const r = compare.result as DetectBenchResult;
    const line = String(compare.machine);
    await writeFileAtomic(join(root, 'docs', 'detect-bench.md'), renderDetectBench(r, line));
    await updateSection('detect', renderDetectSection(r, line));
  }
  // Section `detect-speed`: same-run speed ratios against opencv.js.
  const result = runSuite('bench/suites/detect.ts', quick ? ['--quick'] : []);
  await writeFileAtomic(
    join(root, 'bench/results/detect.json'),
    `${JSON.stringify({ machine, ...result }, null, 2)}\n`,
  );
  if (!quick && result.error === undefined)
    await updateSection('detect-speed', renderDetectSpeedSection(machine, result));
}
