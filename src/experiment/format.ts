import type { PlanDryRun } from './dry-run.js';
import type { ExperimentEvent, ExperimentResult, RunOutcome } from './experiment.js';

// Plans and their outcomes as text, for a terminal (`exprsim experiment`).

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** Rows as columns padded to their widest cell, two spaces apart. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd(),
  );
}

function outcomeText(o: RunOutcome): string {
  switch (o.status) {
    case 'skipped':
      return 'finished before (skipped)';
    case 'failed':
      return `FAILED: ${o.error ?? ''}`;
    case 'interrupted':
      return 'interrupted (checkpointed; rerun to resume)';
    case 'not-run':
      return 'not run (interrupted)';
    default:
      return o.status;
  }
}

function stateText(s: PlanDryRun['runs'][number]): string {
  return s.state === 'finished'
    ? `finished (${pct(s.accuracy)})`
    : s.state === 'partial'
      ? `partial (step ${s.step}; resumes)`
      : s.state === 'failed'
        ? `failed before (retried): ${s.error}`
        : 'to train';
}

/** A dry run: the runs, their groups and states, and how many are left. */
export function formatDryRun(d: PlanDryRun): string[] {
  const done = d.runs.filter((s) => s.state === 'finished').length;
  return [
    `plan ${d.plan}: ${d.runs.length} runs in ${d.out} (evaluated on ${d.evalSplit})`,
    '',
    ...table([
      ['run', 'groups', 'state'],
      ...d.runs.map((r) => [r.name, r.groups.join(',') || '–', stateText(r)]),
    ]),
    '',
    `${done} finished, ${d.runs.length - done} to run`,
  ];
}

/** A plan's outcome: a row per run, the counts, and the report (or why there is none). */
export function formatExperimentSummary(
  r: ExperimentResult & { report?: { files: readonly string[] }; reportError?: string },
): string[] {
  const lines = table([
    ['run', 'status', 'test acc', 'time'],
    ...r.runs.map((o) => [o.name, outcomeText(o), pct(o.accuracy), duration(o.seconds)]),
  ]);
  const count = (s: RunOutcome['status']) => r.runs.filter((o) => o.status === s).length;
  lines.push(
    '',
    `${r.runs.length} run${r.runs.length === 1 ? '' : 's'}: ${count('completed') + count('early-stopped')} trained now, ${count('skipped')} finished before, ${count('failed')} failed${r.interrupted ? ', interrupted' : ''}`,
  );
  if (r.report) lines.push(`report: ${r.report.files.find((f) => f.endsWith('report.md'))}`);
  if (r.reportError) lines.push(`report not written: ${r.reportError}`);
  return lines;
}

/**
 * The log line of a runner event (a run starts, is evaluated, is done; the report is written),
 * or undefined for events that are not worth one (progress, a skipped run's end).
 */
export function formatExperimentEvent(
  e: ExperimentEvent | { kind: 'report'; dir: string },
  evalSplit: string,
): string | undefined {
  switch (e.kind) {
    case 'run': {
      const what =
        e.action === 'skip'
          ? 'finished before, skipped'
          : e.action === 'resume'
            ? 'resuming training'
            : e.action === 'evaluate'
              ? 'trained; evaluating'
              : 'training';
      return `[${e.index + 1}/${e.total}] ${e.run}: ${what}`;
    }
    case 'eval':
      return `  ${e.run}: evaluating on ${evalSplit}`;
    case 'done': {
      if (e.outcome.status === 'skipped') return undefined;
      const acc = e.outcome.accuracy;
      return `  ${e.run}: ${outcomeText(e.outcome)}${acc === undefined ? '' : `, test accuracy ${pct(acc)}`}`;
    }
    case 'report':
      return `report written to ${e.dir}`;
    default:
      return undefined;
  }
}
