import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isExprsimError } from '../core/errors.js';
import { getEngineInfo, initEngine } from '../engine/backend.js';
import {
  runExperiment,
  type ExperimentEvent,
  type ExperimentOptions,
  type ExperimentResult,
} from '../experiment/experiment.js';
import type { ExperimentPlan } from '../experiment/plan.js';
import { writeReport, type ReportOptions, type ReportResult } from './report.js';

export type PlanReportEvent = ExperimentEvent | { kind: 'report'; dir: string };

export interface PlanReportOptions extends Omit<ExperimentOptions, 'onProgress'> {
  onProgress?: (event: PlanReportEvent) => void;
  /** Write a report over the plan's run folders here at the end; overrides the plan's `report`. */
  report?: string | false;
  reportOptions?: ReportOptions;
}

export interface PlanReportResult extends ExperimentResult {
  report?: ReportResult;
  /** Why the report could not be written (the runs' results stand). */
  reportError?: string;
}

/**
 * Runs a plan (experiment/'s runner), then writes the report over every run folder of the plan
 * that has a config (the plan's `report` folder, or `options.report`; `false` for none). A
 * report that cannot be written is said in `reportError`; the runs' results stand.
 */
export async function runExperimentWithReport(
  plan: ExperimentPlan,
  options: PlanReportOptions = {},
): Promise<PlanReportResult> {
  const result: PlanReportResult = await runExperiment(plan, options);
  const reportDir = options.report === undefined ? plan.report : options.report || undefined;
  if (reportDir === undefined) return result;
  const dirs = plan.runs.map((r) => r.dir).filter((d) => existsSync(join(d, 'config.json')));
  if (dirs.length === 0) return result;
  try {
    if (getEngineInfo() === undefined) await initEngine();
    result.report = await writeReport(dirs, reportDir, {
      title: plan.description ?? plan.name,
      ...options.reportOptions,
    });
    options.onProgress?.({ kind: 'report', dir: reportDir });
  } catch (e) {
    result.reportError = isExprsimError(e) ? e.toLine() : (e as Error).message;
  }
  return result;
}

/** The result for scripts: the report's run records hold whole curves, its file list is enough. */
export function planReportJson(r: PlanReportResult) {
  return { ...r, report: r.report ? { files: r.report.files } : undefined };
}

/** The exit code of a plan run: 130 when interrupted, 1 when a run or the report failed, else 0. */
export function planReportExitCode(r: PlanReportResult): number {
  if (r.interrupted) return 130;
  return r.runs.some((x) => x.status === 'failed') || r.reportError !== undefined ? 1 : 0;
}
