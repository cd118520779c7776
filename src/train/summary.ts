import { kernelsLabel } from '../engine/backend-names.js';
import type { ValMetrics } from './metrics-log.js';
import type { TrainResult } from './trainer.js';
import type { SuiteScore } from './validator.js';

const pct = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`;

/**
 * A finished (or stopped) run in a few lines: where it is, how far it got, how fast on which
 * kernels, its last and best validation, and how to resume a stopped one.
 */
export function formatTrainSummary(
  r: TrainResult,
  engine: Parameters<typeof kernelsLabel>[0],
): string[] {
  const lines = [
    `run:        ${r.out}`,
    `status:     ${r.status} at step ${r.step}/${r.totalSteps}${r.startStep > 0 ? ` (resumed from ${r.startStep})` : ''}`,
    `speed:      ${r.tripletsPerSec.toFixed(1)} triplets/s (${r.config.workers >= 2 ? `${r.config.workers} workers` : 'one process'}, ${kernelsLabel(engine)})`,
  ];
  if (r.lastValidation) {
    const v = r.lastValidation;
    lines.push(
      `last val:   accuracy ${pct(v.valAccuracy)}, loss ${v.valLoss.toFixed(4)} (step ${v.step})`,
    );
    if (v.suite !== undefined) lines.push(`last suite: ${suiteText(v.suite)}`);
  }
  if (r.best) {
    const by = r.config.valSuite === undefined ? '' : ' (suite mean)';
    lines.push(
      `best:       ${pct(r.best.valAccuracy)}${by} at step ${r.best.step} -> ${r.best.dir}`,
    );
  }
  if (r.status === 'interrupted') lines.push(`resume:     exprsim train --out ${r.out} --resume`);
  return lines;
}

/** The run as JSON for scripts: everything but the resolved config (that is the run's config.json). */
export function trainSummaryJson(r: TrainResult): Omit<TrainResult, 'config'> {
  const { config: _config, ...rest } = r;
  return rest;
}

/** A validation as one log line: "step 40: val accuracy 61.2%, val loss 0.1234". */
export function formatValidationLine(m: ValMetrics): string {
  const own = `step ${m.step}: val accuracy ${pct(m.valAccuracy)}, val loss ${m.valLoss.toFixed(4)}`;
  return m.suite === undefined ? own : `${own}; suite ${suiteText(m.suite)}`;
}

/** "mean 72.8% (FER2013 67.7%, jaffe 76.2%)". */
function suiteText(s: SuiteScore): string {
  return `mean ${pct(s.mean)} (${s.sets.map((x) => `${x.name} ${pct(x.accuracy)}`).join(', ')})`;
}
