import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExprsimError } from '../core/errors.js';
import {
  requireNewRunOptions,
  resolveTrainConfig,
  resumeChanges,
  trainOptionProblem,
  type TrainOptions,
} from './config.js';
import { DEFAULT_LR, DEFAULT_TRAIN_OPTIONS } from './defaults.js';

const base: TrainOptions = {
  head: 'densenet',
  input: { kind: 'pixels', shape: [8, 8, 1] },
  triplets: 'data/t',
};

const badOption = (option: string, message: RegExp) => (e: unknown) =>
  e instanceof ExprsimError &&
  e.code === 'E_BAD_OPTION' &&
  e.option === option &&
  message.test(e.message);

test('left-out options take DEFAULT_TRAIN_OPTIONS (lr by optimizer)', () => {
  const c = resolveTrainConfig(base, [8, 8, 1]);
  const D = DEFAULT_TRAIN_OPTIONS;
  assert.equal(c.batchSize, D.batchSize);
  assert.equal(c.epochs, D.epochs);
  assert.equal(c.optimizer.momentum, D.momentum);
  assert.equal(c.schedule.gamma, D.gamma);
  assert.deepEqual(c.margins, { oneClass: D.marginOneClass, other: D.marginOther });
  assert.equal(c.schedule.lr, DEFAULT_LR.adam);
  assert.equal(resolveTrainConfig({ ...base, optimizer: 'sgd' }, [8, 8, 1]).schedule.lr, 0.01);
  // An explicit 0 is kept (`??`, not `||`).
  assert.equal(resolveTrainConfig({ ...base, momentum: 0 }, [8, 8, 1]).optimizer.momentum, 0);
});

test('every value by its rule; errors name the option key in backticks', () => {
  assert.equal(trainOptionProblem('batchSize', 4), undefined);
  assert.equal(trainOptionProblem('batchSize', 0), 'a whole number >= 1');
  assert.equal(trainOptionProblem('lr', 0), 'a number > 0');
  assert.equal(trainOptionProblem('momentum', 1.5), 'a number >= 0 and <= 1');
  assert.equal(trainOptionProblem('seed', 2 ** 32), 'a whole number from 0 to 4294967295');
  assert.equal(trainOptionProblem('optimizer', 'rmsprop'), 'one of adam, sgd');
  assert.equal(trainOptionProblem('nesterov', 'yes'), 'true or false');
  assert.throws(
    () => resolveTrainConfig({ ...base, batchSize: 2.5 }, [8, 8, 1]),
    badOption('batchSize', /^`batchSize` must be a whole number >= 1, got 2.5$/),
  );
  assert.throws(
    () => resolveTrainConfig({ ...base, schedule: 'linear' as never }, [8, 8, 1]),
    badOption('schedule', /`schedule` must be one of constant, step, cosine/),
  );
});

test('a new run needs an input, triplets and a head (or a model to start from)', () => {
  assert.throws(
    () => requireNewRunOptions({ head: 'densenet', triplets: 't' }),
    badOption('input', /needs an input: face `pixels`/),
  );
  assert.throws(
    () => requireNewRunOptions({ ...base, triplets: undefined }),
    badOption('triplets', /`triplets` is required/),
  );
  assert.throws(
    () => requireNewRunOptions({ ...base, head: undefined }),
    badOption('head', /`head` is required/),
  );
  assert.equal(requireNewRunOptions({ ...base, head: undefined, init: 'm' }).init, 'm');
});

test('a resumed run may change steps, epochs, workers and patience only', () => {
  assert.deepEqual(resumeChanges(undefined), {});
  assert.deepEqual(resumeChanges({ steps: 40, workers: 2, lr: undefined }), {
    steps: 40,
    workers: 2,
  });
  assert.throws(() => resumeChanges({ epochs: 0 }), badOption('epochs', /whole number >= 1/));
  assert.throws(
    () =>
      resumeChanges({
        steps: 5,
        lr: 0.1,
        input: { kind: 'pixels', shape: [8, 8, 1] },
        headConfig: { preset: 'deep' },
        augment: { shift: 0.1 },
      }),
    (e: unknown) =>
      badOption('lr', /`resume` takes the run's settings/)(e) &&
      /do not pass `lr`, an input \(`pixels`\), `preset`, `shift`$/.test((e as Error).message) &&
      /only `steps`, `epochs`, `workers`, `patience` may change/.test(
        String((e as ExprsimError).fix),
      ),
  );
});
