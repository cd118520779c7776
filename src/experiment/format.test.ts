import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDryRun, formatExperimentEvent, formatExperimentSummary } from './format.js';
import type { PlanDryRun } from './dry-run.js';

const run = { dir: '/r/x', head: 'densenet', preset: 'deep', input: 'px', seed: 1 };

test('a dry run: a row per run with its groups and state, and the count left', () => {
  const d: PlanDryRun = {
    plan: 'tiny',
    out: '/r',
    evalSplit: 'test',
    runs: [
      { ...run, name: 'a', groups: ['se', 'px'], state: 'finished', accuracy: 0.6543 },
      { ...run, name: 'bb', groups: [], state: 'partial', step: 12 },
      { ...run, name: 'c', groups: [], state: 'new' },
    ],
  };
  assert.deepEqual(formatDryRun(d), [
    'plan tiny: 3 runs in /r (evaluated on test)',
    '',
    'run  groups  state',
    'a    se,px   finished (65.4%)',
    'bb   –       partial (step 12; resumes)',
    'c    –       to train',
    '',
    '1 finished, 2 to run',
  ]);
});

test('the summary: a row per outcome, the counts, the report', () => {
  const lines = formatExperimentSummary({
    plan: 'tiny',
    interrupted: false,
    runs: [
      { name: 'a', dir: '/r/a', status: 'completed', accuracy: 0.5, seconds: 75 },
      { name: 'b', dir: '/r/b', status: 'failed', error: 'boom', seconds: 3 },
      { name: 'c', dir: '/r/c', status: 'skipped', accuracy: 0.25, seconds: 3725 },
    ],
    report: { files: ['/r/report/map.svg', '/r/report/report.md'] },
  });
  assert.deepEqual(lines, [
    'run  status                     test acc  time',
    'a    completed                  50.0%     1m15s',
    'b    FAILED: boom               –         3s',
    'c    finished before (skipped)  25.0%     1h02m',
    '',
    '3 runs: 1 trained now, 1 finished before, 1 failed',
    'report: /r/report/report.md',
  ]);
});

test('runner events as log lines; progress and skipped runs have none', () => {
  const say = (e: Parameters<typeof formatExperimentEvent>[0]) => formatExperimentEvent(e, 'val');
  assert.equal(
    say({ kind: 'run', run: 'a', index: 0, total: 2, action: 'resume' }),
    '[1/2] a: resuming training',
  );
  assert.equal(say({ kind: 'eval', run: 'a' }), '  a: evaluating on val');
  const done = { name: 'a', dir: '/r/a', seconds: 1 };
  assert.equal(
    say({ kind: 'done', run: 'a', outcome: { ...done, status: 'completed', accuracy: 0.5 } }),
    '  a: completed, test accuracy 50.0%',
  );
  assert.equal(say({ kind: 'done', run: 'a', outcome: { ...done, status: 'skipped' } }), undefined);
  assert.equal(say({ kind: 'progress', run: 'a', progress: { done: 1 } }), undefined);
  assert.equal(say({ kind: 'report', dir: '/r/report' }), 'report written to /r/report');
});
