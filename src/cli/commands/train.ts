import type { Command } from 'commander';
import type { TrainResult } from '../../index.js';
import { logger } from '../../core/index.js';
import {
  DEFAULT_LR,
  DEFAULT_TRAIN_OPTIONS as D,
  OPTIMIZER_NAMES,
  RESUME_OPTIONS,
  SCHEDULE_NAMES,
} from '../../train/defaults.js';
import { optString, startEngine, type GlobalOptions } from '../options.js';
import { abortOnInterrupt } from '../interrupt.js';
import { printJson, printLines, progressBar } from '../output.js';
import { registerEvalCommand } from './eval.js';
import { registerBaselinesCommand } from './baselines.js';
import { flagOf, trainOptionsOf, type Opts } from './train-options.js';

/** `exprsim train`: train(), with a progress bar, Ctrl-C as a checkpointed stop, a summary. */
async function runTrain(o: Opts, cmd: Command): Promise<void> {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const engine = await startEngine(g);
  if (engine.native !== undefined && !engine.native.loaded) {
    logger.warn(
      `training on wasm alone, without the native BLAS kernels (${engine.native.detail}); steps are about 1.5-2x slower`,
    );
  }
  const { train, parseShape3, formatTrainSummary, formatValidationLine } =
    await import('../../train/index.js');
  const bar = progressBar(g);
  const interrupt = abortOnInterrupt();
  let result: TrainResult;
  try {
    result = await train({
      out: optString(o.out) as string,
      resume: o.resume === true,
      options: trainOptionsOf(o, parseShape3),
      signal: interrupt.signal,
      onProgress: bar.update,
      onMetrics: (m) => {
        if (m.kind === 'val' && !g.json && !process.stderr.isTTY)
          process.stderr.write(`${formatValidationLine(m)}\n`);
      },
      command: ['exprsim', ...process.argv.slice(2)].join(' '),
    });
  } finally {
    bar.done();
    interrupt.release();
  }
  if (g.json) {
    const { config: _c, ...rest } = result;
    printJson(rest);
  } else {
    const lines = formatTrainSummary(result, engine);
    if (result.status === 'interrupted')
      lines.push(`resume:     exprsim train --out ${result.out} --resume`);
    printLines(lines);
  }
  if (result.status === 'interrupted') process.exitCode = 130;
}

/** Registers `exprsim train`, and the commands that score what it makes (eval, baselines). */
export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description(
      'train an embedding head on triplets (resumable; data-parallel over worker processes)',
    )
    .option(
      '--head <name>',
      'head: fecnet, densenet, attention-densenet, less-densenet, se-densenet, skip-densenet',
    )
    .option('--preset <name>', 'head preset (deep, shallow; paper for fecnet)')
    .option('--head-config <json>', 'more head options as JSON, e.g. {"dropout":0.1}')
    .option('--triplets <dir>', 'triplet dataset folder (dataset.json with train and val splits)')
    .option('--features <cache>', 'train on a feature cache from `exprsim features`')
    .option('--pixels <HxWxC>', 'train on face pixels resized to HxW, C = 1 (grey) or 3')
    .option('--random <HxWxC>', 'train on seeded random inputs of this shape (benchmarks)')
    .requiredOption('--out <dir>', 'run folder, e.g. runs/NAME')
    .option(
      '--resume',
      `continue the run in --out from its last checkpoint, with its config.json (only ${RESUME_OPTIONS.map(flagOf).join(', ')} may change)`,
    )
    .option(
      '--init <model>',
      'start from a trained model\'s weights (its head unless --head; same backbone), e.g. to train it on with a new schedule; with --head-config \'{"tail":"faceapi-expression-dense3"}\' on a dense2 cache, a dense3 model also fine-tunes the backbone\'s last block',
    )
    .option('--train-split <split>', `split to train on (default ${D.trainSplit})`)
    .option('--val-split <split>', `split to validate on (default ${D.valSplit})`)
    .option('--train-limit <n>', 'use only the first N training triplets')
    .option('--val-limit <n>', 'use only the first N validation triplets')
    .option('--batch-size <n>', `triplets per step (default ${D.batchSize})`)
    .option('--epochs <n>', `passes over the training triplets (default ${D.epochs})`)
    .option('--steps <n>', 'optimizer steps (overrides --epochs)')
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(' or ')} (default ${D.optimizer})`)
    .option(
      '--lr <x>',
      `learning rate (default ${OPTIMIZER_NAMES.map((n) => `${DEFAULT_LR[n]} ${n}`).join(', ')})`,
    )
    .option(
      '--tail-lr-scale <x>',
      `with a head tail: the tail's learning rate is --lr × x (default ${D.tailLrScale}), e.g. to fine-tune the backbone block faster than a trained head`,
    )
    .option('--weight-decay <x>', `L2 weight decay (default ${D.weightDecay})`)
    .option('--momentum <x>', `sgd momentum (default ${D.momentum})`)
    .option('--nesterov', 'sgd: Nesterov momentum')
    .option(
      '--schedule <name>',
      `learning-rate schedule: ${SCHEDULE_NAMES.join(', ')} (default ${D.schedule})`,
    )
    .option('--warmup-steps <n>', `linear warmup steps (default ${D.warmupSteps})`)
    .option('--step-size <n>', 'step schedule: steps between decays (default a third of the run)')
    .option('--gamma <x>', `step schedule: decay factor (default ${D.gamma})`)
    .option('--min-lr <x>', `cosine schedule: final learning rate (default ${D.minLr})`)
    .option('--loss <name>', `fec (FECNet, both hinges, squared L2) or margin (default ${D.loss})`)
    .option('--margin-one-class <x>', `margin of one-class triplets (default ${D.marginOneClass})`)
    .option(
      '--margin-other <x>',
      `margin of two- and three-class triplets (default ${D.marginOther})`,
    )
    .option('--seed <n>', `seed of data order and weight init (default ${D.seed})`)
    .option('--val-every <n>', 'validate every N steps (default: every epoch)')
    .option('--checkpoint-every <n>', 'checkpoint every N steps (default: after each validation)')
    .option(
      '--patience <n>',
      `stop after N validations without improvement (default ${D.patience} = never)`,
    )
    .option(
      '--min-delta <x>',
      `val accuracy gain that counts as improvement (default ${D.minDelta})`,
    )
    .option('--workers <n>', 'training worker processes (default one per core; 1 = in-process)')
    .option(
      '--mirror-features <cache>',
      'the mirrored view of --features (`exprsim features … --mirror`), for --flip and --average-flip',
    )
    .option(
      '--flip',
      'mirror each training face left-right with probability ½ (pixels, or --features with --mirror-features)',
    )
    .option(
      '--average-flip',
      'embed each face as the mean of its own and its mirror image’s embedding, in validation and in the exported model',
    )
    .option(
      '--shift <f>',
      'pixel inputs: move each training image by up to this fraction of its side (e.g. 0.1)',
    )
    .action(runTrain);

  registerEvalCommand(program);
  registerBaselinesCommand(program);
}
