import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSerialQueue } from './queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('jobs run one at a time, in order', async () => {
  const q = createSerialQueue(10, 5000);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const job = (i: number) => async () => {
    running++;
    most = Math.max(most, running);
    await sleep(5);
    order.push(i);
    running--;
    return i;
  };
  const results = await Promise.all([0, 1, 2, 3].map((i) => q.run(job(i))));
  assert.deepEqual(results, [0, 1, 2, 3]);
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.equal(most, 1);
  assert.equal(q.pending, 0);
});

test('a failing job does not stop the next', async () => {
  const q = createSerialQueue(10, 5000);
  const a = q.run(async () => {
    throw new Error('boom');
  });
  const b = q.run(async () => 'ok');
  await assert.rejects(a, /boom/);
  assert.equal(await b, 'ok');
});

test('past maxWaiting, jobs are refused at once with E_BUSY', async () => {
  const q = createSerialQueue(1, 5000);
  const slow = () => sleep(30).then(() => 'done');
  const running = q.run(slow);
  const waiting = q.run(slow);
  await assert.rejects(q.run(slow), { code: 'E_BUSY', status: 503 });
  assert.deepEqual(await Promise.all([running, waiting]), ['done', 'done']);
  assert.equal(await q.run(slow), 'done');
});

test('a job not finished within the timeout is answered E_TIMEOUT; one that waited too long never starts', async () => {
  const q = createSerialQueue(5, 40);
  let started = 0;
  const first = q.run(async () => {
    started++;
    await sleep(100);
    return 1;
  });
  const second = q.run(async () => {
    started++;
    return 2;
  });
  await assert.rejects(first, { code: 'E_TIMEOUT' });
  await assert.rejects(second, { code: 'E_TIMEOUT' });
  await q.idle();
  assert.equal(started, 1);
});
