import type { Command } from 'commander';
import type { TrainResult } from '../../index.js';
import { logger } from '../../core/index.js';
import { TRAIN_OPTION_SPECS } from '../../train/defaults.js';
import { optString, startEngine, type GlobalOptions } from '../options.js';
import { abortOnInterrupt } from '../interrupt.js';
import { printJson, printLines, progressBar } from '../output.js';
import { registerEvalCommand } from './eval.js';
import { registerBaselinesCommand } from './baselines.js';
import { addOptions } from './option-specs.js';
import { trainOptionsOf, type Opts } from './train-options.js';

/** `exprsim train`: train(), with a progress bar, Ctrl-C as a checkpointed stop, a summary. */
async function runTrain(o: Opts, cmd: Command): Promise<void> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const engine = await startEngine(g);
  if (engine.native !== undefined && !engine.native.loaded) {
    logger.warn(
      `training on wasm alone, without the native BLAS kernels (${engine.native.detail}); steps are about 1.5-2x slower`,
    );
  }
  const { train, formatTrainSummary, formatValidationLine, trainSummaryJson } =
    await import('../../train/index.js');
  const { openSuiteValidator } = await import('../../eval/index.js');
  const bar = progressBar(g);
  const interrupt = abortOnInterrupt();
  let result: TrainResult;
  try {
    result = await train({
      out: optString(o.out) as string,
      resume: o.resume === true,
      options: trainOptionsOf(o),
      signal: interrupt.signal,
      onProgress: bar.update,
      onMetrics: (m) => {
        if (m.kind === 'val' && !g.json && !process.stderr.isTTY)
          process.stderr.write(`${formatValidationLine(m)}\n`);
      },
      command: ['exprsim', ...process.argv.slice(2)].join(' '),
      openValidator: openSuiteValidator,
    });
  } finally {
    bar.done();
    interrupt.release();
  }
  if (g.json) printJson(trainSummaryJson(result));
  else printLines(formatTrainSummary(result, engine));
  if (result.status === 'interrupted') process.exitCode = 130;
}

/** Registers `exprsim train`, and the commands that score what it makes (eval, baselines). */
export function registerTrainCommands(program: Command): void {
  addOptions(
    program
      .command('train')
      .description(
        'train an embedding head on triplets (resumable; data-parallel over worker processes)',
      ),
    TRAIN_OPTION_SPECS,
  ).action(runTrain);

  registerEvalCommand(program);
  registerBaselinesCommand(program);
}
