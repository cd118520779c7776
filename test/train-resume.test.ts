// `exprsim train` as a child process: killed (SIGKILL) after a checkpoint and resumed, it ends
// where an uninterrupted run ends, with each step in metrics.jsonl exactly once; Ctrl-C (SIGINT to
// the process group, workers included) writes a checkpoint and exits cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine, readMetrics, train } from '../src/index.js';
import { makeTempDir, removeDir } from './fixtures/images/helpers.js';
import { makeSyntheticDataset } from './fixtures/train/synthetic.js';
import { runCliSync, spawnCli, type CliResult } from './helpers.js';

const dir = await makeTempDir('exprsim-resume-');
const { triplets } = await makeSyntheticDataset(dir);
test.after(() => removeDir(dir));

const STEPS = 24;
const args = (out: string, workers = 1) => [
  'train',
  '--head',
  'densenet',
  '--head-config',
  '{"growth":4,"layersPerBlock":1,"stemStride":2}',
  '--pixels',
  '16x16x1',
  '--triplets',
  triplets,
  '--out',
  out,
  '--batch-size',
  '16',
  '--steps',
  String(STEPS),
  '--val-every',
  '6',
  '--checkpoint-every',
  '2',
  '--workers',
  String(workers),
];

const pointerStep = (out: string): number => {
  try {
    return (JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8')) as { step: number })
      .step;
  } catch {
    return 0;
  }
};

/** Starts `exprsim train`, waits for a checkpoint at step ≥ `atStep`, then sends `signal`. */
async function runAndSignal(
  argv: string[],
  out: string,
  atStep: number,
  signal: NodeJS.Signals,
  group = false,
): Promise<CliResult & { signalledAt: number }> {
  const { child, exited } = spawnCli(argv, { detached: group });
  let signalledAt = -1;
  const timer = setInterval(() => {
    const s = pointerStep(out);
    if (signalledAt < 0 && s >= atStep) {
      signalledAt = s;
      if (group) process.kill(-(child.pid as number), signal);
      else child.kill(signal);
    }
  }, 10);
  try {
    return { ...(await exited), signalledAt };
  } finally {
    clearInterval(timer);
  }
}

const stepLines = (out: string) =>
  readMetrics(join(out, 'metrics.jsonl')).filter((l) => l.kind === 'step');

test('killed after a checkpoint and resumed, a run ends exactly like an uninterrupted one', async () => {
  // The uninterrupted reference, in this process with the same settings as args().
  await initEngine();
  const full = join(dir, 'full');
  const r0 = await train({
    out: full,
    options: {
      head: 'densenet',
      headConfig: { growth: 4, layersPerBlock: 1, stemStride: 2 },
      input: { kind: 'pixels', shape: [16, 16, 1] },
      triplets,
      batchSize: 16,
      steps: STEPS,
      valEvery: 6,
      checkpointEvery: 2,
      workers: 1,
    },
  });
  assert.equal(r0.step, STEPS);

  const cut = join(dir, 'cut');
  const killed = await runAndSignal(args(cut), cut, 4, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(
    killed.signalledAt >= 4 && killed.signalledAt < STEPS,
    `killed at ${killed.signalledAt}`,
  );

  const r1 = runCliSync(['train', '--out', cut, '--resume', '--json']);
  assert.equal(r1.code, 0, r1.stderr);
  const res = JSON.parse(r1.stdout) as { step: number; startStep: number; status: string };
  assert.equal(res.status, 'completed');
  assert.equal(res.step, STEPS);
  assert.ok(res.startStep >= killed.signalledAt && res.startStep < STEPS);

  // Each step exactly once, 1…STEPS; the same data order and optimiser state give the same losses.
  const a = stepLines(full);
  const b = stepLines(cut);
  assert.deepEqual(
    b.map((l) => l.step),
    Array.from({ length: STEPS }, (_, i) => i + 1),
  );
  assert.deepEqual(
    b.map((l) => (l as { loss: number }).loss),
    a.map((l) => (l as { loss: number }).loss),
  );
  const vals = (out: string) =>
    readMetrics(join(out, 'metrics.jsonl'))
      .filter((l) => l.kind === 'val')
      .map((l) => l.step);
  assert.deepEqual(vals(cut), [6, 12, 18, 24]);
  // Same final weights, bit for bit.
  const w = (out: string) => readFileSync(join(out, 'checkpoints', `step-${STEPS}`, 'weights.bin'));
  assert.ok(w(full).equals(w(cut)));
  assert.ok(existsSync(join(cut, 'best', 'model.json')));
});

test('Ctrl-C (SIGINT to the process group, 2 workers) writes a checkpoint and exits cleanly', async () => {
  const out = join(dir, 'int');
  const r = await runAndSignal(args(out, 2), out, 2, 'SIGINT', true);
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /interrupted at step (\d+)/);
  const stopped = Number(/interrupted at step (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(stopped < STEPS);
  // The checkpoint is of the step the run stopped at, and metrics end there too.
  assert.equal(pointerStep(out), stopped);
  assert.equal(stepLines(out).at(-1)?.step, stopped);
  assert.match(r.stdout, /--resume/);
});
