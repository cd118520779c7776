import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const worker = fileURLToPath(new URL('./fixtures/train-worker.ts', import.meta.url));

function trainInWorker(
  seed: number,
  steps: number,
): Promise<{ backend: string; losses: number[] }> {
  return new Promise((resolve, reject) => {
    const child = fork(worker, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += String(d)));
    child.once('message', (m) => resolve(m as { backend: string; losses: number[] }));
    child.once(
      'exit',
      (code) => code !== 0 && reject(new Error(`worker exited ${code}: ${stderr}`)),
    );
    child.send({ seed, steps });
  });
}

test('a training step runs inside worker processes, two at once, deterministically', async () => {
  const [a, b] = await Promise.all([trainInWorker(11, 4), trainInWorker(11, 4)]);
  assert.equal(a.losses.length, 4);
  assert.ok(a.losses[3] < a.losses[0], `loss ${a.losses[0]} → ${a.losses[3]}`);
  // Same seed, same backend: same numbers, so data-parallel workers can be checked against each other.
  assert.deepEqual(a.losses, b.losses);
  assert.equal(a.backend, b.backend);
});
