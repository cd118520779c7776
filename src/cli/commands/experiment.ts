import type { Command } from 'commander';
import type { PlanReportEvent, PlanReportResult, RunOutcome } from '../../index.js';
import { optString, startEngine, type GlobalOptions, type OptionValue } from '../options.js';
import { abortOnInterrupt } from '../interrupt.js';
import { printJson, printLines, progressBar } from '../output.js';

interface ExperimentOpts {
  only?: string;
  dryRun?: boolean;
  report?: OptionValue;
}

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

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

function summary(r: PlanReportResult): string[] {
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

/** Registers `exprsim experiment PLAN`. */
export function registerExperimentCommands(program: Command): void {
  program
    .command('experiment')
    .description(
      'run a plan of training runs (grid of heads × presets × inputs × seeds): resumable, finished runs skipped',
    )
    .argument('<plan>', 'plan file, JSON or YAML (see docs/plans/fer-study.json)')
    .option('--only <names>', 'comma-separated run or group names of the plan')
    .option('--dry-run', 'list the expanded runs, their groups and which are done; train nothing')
    .option(
      '--report [dir]',
      "write a report over the plan's runs at the end (default folder <out>/report)",
    )
    .action(async (planPath: string, o: ExperimentOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { loadPlan, runFolderState, selectRuns } = await import('../../experiment/index.js');
      const { runExperimentWithReport } = await import('../../report/index.js');
      const plan = await loadPlan(planPath);
      const only = optString(o.only)
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const selected = selectRuns(plan, only);

      if (o.dryRun) {
        const states = await Promise.all(selected.map((r) => runFolderState(plan, r)));
        const stateText = (s: (typeof states)[number]) =>
          s.state === 'finished'
            ? `finished (${pct(s.accuracy)})`
            : s.state === 'partial'
              ? `partial (step ${s.step}; resumes)`
              : s.state === 'failed'
                ? `failed before (retried): ${s.error}`
                : 'to train';
        if (g.json) {
          printJson({
            plan: plan.name,
            out: plan.out,
            evalSplit: plan.evalSplit,
            runs: selected.map((r, i) => ({
              name: r.name,
              dir: r.dir,
              head: r.head,
              preset: r.preset,
              variant: r.variant,
              input: r.input.name,
              detector: r.input.detector,
              seed: r.seed,
              groups: r.groups,
              ...states[i],
            })),
          });
          return;
        }
        const done = states.filter((s) => s.state === 'finished').length;
        printLines([
          `plan ${plan.name}: ${selected.length} runs in ${plan.out} (evaluated on ${plan.evalSplit})`,
          '',
          ...table([
            ['run', 'groups', 'state'],
            ...selected.map((r, i) => [r.name, r.groups.join(',') || '–', stateText(states[i])]),
          ]),
          '',
          `${done} finished, ${selected.length - done} to run`,
        ]);
        return;
      }

      await startEngine(g);
      let bar = progressBar(g);
      const say = (line: string) => {
        if (!g.json) process.stderr.write(`${line}\n`);
      };
      const onProgress = (e: PlanReportEvent) => {
        if (e.kind === 'progress') {
          bar.update({ ...e.progress, label: `${e.run} ${e.progress.label ?? ''}`.trim() });
          return;
        }
        bar.done();
        bar = progressBar(g);
        if (e.kind === 'run') {
          const what =
            e.action === 'skip'
              ? 'finished before, skipped'
              : e.action === 'resume'
                ? 'resuming training'
                : e.action === 'evaluate'
                  ? 'trained; evaluating'
                  : 'training';
          say(`[${e.index + 1}/${e.total}] ${e.run}: ${what}`);
        } else if (e.kind === 'eval') say(`  ${e.run}: evaluating on ${plan.evalSplit}`);
        else if (e.kind === 'done' && e.outcome.status !== 'skipped') {
          const acc = e.outcome.accuracy;
          say(
            `  ${e.run}: ${outcomeText(e.outcome)}${acc === undefined ? '' : `, test accuracy ${pct(acc)}`}`,
          );
        } else if (e.kind === 'report') say(`report written to ${e.dir}`);
      };
      const interrupt = abortOnInterrupt();
      let result: PlanReportResult;
      try {
        const report =
          o.report === undefined
            ? undefined
            : o.report === true
              ? `${plan.out}/report`
              : (optString(o.report) as string);
        result = await runExperimentWithReport(plan, {
          only,
          signal: interrupt.signal,
          onProgress,
          report,
          command: ['exprsim', ...process.argv.slice(2)].join(' '),
        });
      } finally {
        bar.done();
        interrupt.release();
      }
      if (g.json) {
        // The report's run records hold whole curves; its file list is what a script needs.
        printJson({
          ...result,
          report: result.report ? { files: result.report.files } : undefined,
        });
      } else printLines(summary(result));
      if (result.interrupted) process.exitCode = 130;
      else if (result.runs.some((r) => r.status === 'failed') || result.reportError) {
        process.exitCode = 1;
      }
    });
}
