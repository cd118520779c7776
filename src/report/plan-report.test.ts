import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReportExitCode, planReportJson, type PlanReportResult } from './plan-report.js';

const base = (over: Partial<PlanReportResult> = {}): PlanReportResult => ({
  plan: 'p',
  runs: [{ name: 'a', status: 'completed' } as PlanReportResult['runs'][number]],
  interrupted: false,
  ...over,
});

test('planReportExitCode: 0 when all ran, 1 for a failed run or report, 130 when interrupted', () => {
  assert.equal(planReportExitCode(base()), 0);
  assert.equal(planReportExitCode(base({ runs: [{ name: 'a', status: 'failed' } as never] })), 1);
  assert.equal(planReportExitCode(base({ reportError: 'disk full' })), 1);
  assert.equal(planReportExitCode(base({ interrupted: true, reportError: 'x' })), 130);
});

test('planReportJson keeps only the report’s file list', () => {
  const r = base({ report: { files: ['r/report.md'], runs: [{ curves: [1, 2, 3] }] } as never });
  assert.deepEqual(planReportJson(r).report, { files: ['r/report.md'] });
  assert.equal(planReportJson(base()).report, undefined);
});
