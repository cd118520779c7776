import type { Command } from 'commander';
import type { PlanReportEvent, PlanReportResult } from '../../index.js';
import { optString, startEngine, type GlobalOptions, type OptionValue } from '../options.js';
import { abortOnInterrupt } from '../interrupt.js';
import { printJson, printLines, progressBar } from '../output.js';

interface ExperimentOpts {
  only?: string;
  dryRun?: boolean;
  report?: OptionValue;
}

/** Registers `exprsim experiment PLAN`: dryRunPlan, or runExperimentWithReport. */
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
      const experiment = await import('../../experiment/index.js');
      const plan = await experiment.loadPlan(planPath);
      const only = optString(o.only)
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

      if (o.dryRun) {
        const dry = await experiment.dryRunPlan(plan, only);
        if (g.json) printJson(dry);
        else printLines(experiment.formatDryRun(dry));
        return;
      }

      await startEngine(g);
      const report = await import('../../report/index.js');
      let bar = progressBar(g);
      const onProgress = (e: PlanReportEvent) => {
        if (e.kind === 'progress') {
          bar.update({ ...e.progress, label: `${e.run} ${e.progress.label ?? ''}`.trim() });
          return;
        }
        bar.done();
        bar = progressBar(g);
        const line = experiment.formatExperimentEvent(e, plan.evalSplit);
        if (line !== undefined && !g.json) process.stderr.write(`${line}\n`);
      };
      const interrupt = abortOnInterrupt();
      let result: PlanReportResult;
      try {
        result = await report.runExperimentWithReport(plan, {
          only,
          signal: interrupt.signal,
          onProgress,
          report: o.report === true ? experiment.defaultReportDir(plan.out) : optString(o.report),
          command: ['exprsim', ...process.argv.slice(2)].join(' '),
        });
      } finally {
        bar.done();
        interrupt.release();
      }
      if (g.json) printJson(report.planReportJson(result));
      else printLines(experiment.formatExperimentSummary(result));
      process.exitCode = report.planReportExitCode(result);
    });
}
