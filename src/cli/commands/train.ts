import type { Command } from 'commander';
import {
  BASELINE_NAMES,
  ExprsimError,
  evaluateEmbedder,
  formatEvalTable,
  initEngine,
  loadEvalData,
  openModelEmbedder,
  parseShape3,
  runBaselines,
  train,
  type BaselineName,
  type InputSpec,
  type MetricsLine,
  type SplitName,
  type TrainOptions,
  type TrainResult,
} from '../../index.js';
import type { GlobalOptions } from '../main.js';
import { createProgressBar } from '../progress-bar.js';
import { resolveBackend } from './info.js';

type Opts = Record<string, string | boolean | undefined>;

function num(flag: string, value: string | boolean | undefined, int = true): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (int && !Number.isInteger(n)) || n < 0) {
    const what = int ? 'a whole number >= 0' : 'a number >= 0';
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${flag} must be ${what}, got ${JSON.stringify(value)}`,
      {
        input: `${flag} ${value}`,
        fix: `pass ${what}`,
      },
    );
  }
  return n;
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function split(flag: string, value: string | boolean | undefined): SplitName | undefined {
  const v = str(value);
  if (v === undefined) return undefined;
  if (v !== 'train' && v !== 'val' && v !== 'test') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${flag} must be train, val or test, got ${JSON.stringify(v)}`,
      {
        input: `${flag} ${v}`,
      },
    );
  }
  return v;
}

/** The input of --features / --pixels / --random (exactly one). */
function inputSpec(o: Opts): InputSpec {
  const given = (['features', 'pixels', 'random'] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `pass exactly one of --features, --pixels (got ${given.length})`,
      {
        fix: 'e.g. --pixels 48x48x1 for FER2013 faces, or --features CACHE from `exprsim features`',
      },
    );
  }
  if (o.features !== undefined) return { kind: 'features', cache: str(o.features) as string };
  if (o.pixels !== undefined)
    return { kind: 'pixels', shape: parseShape3(str(o.pixels) as string, '--pixels') };
  return { kind: 'random', shape: parseShape3(str(o.random) as string, '--random') };
}

function headConfig(o: Opts): Record<string, unknown> {
  let cfg: Record<string, unknown> = {};
  const raw = str(o.headConfig);
  if (raw !== undefined) {
    try {
      cfg = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new ExprsimError('E_BAD_OPTION', '--head-config is not JSON', {
        input: `--head-config ${raw}`,
        fix: `write a JSON object, e.g. '{"growth":8,"dropout":0.1}'`,
      });
    }
  }
  if (o.preset !== undefined) cfg.preset = o.preset;
  return cfg;
}

/** The options that shape a run; with --resume they come from the run's config.json. */
const FIXED_ON_RESUME = [
  'head',
  'preset',
  'headConfig',
  'features',
  'pixels',
  'random',
  'triplets',
  'batchSize',
  'optimizer',
  'lr',
  'schedule',
  'loss',
  'seed',
] as const;

function trainOptions(o: Opts): TrainOptions {
  if (o.head === undefined)
    throw new ExprsimError('E_BAD_OPTION', '--head is required', {
      fix: 'e.g. --head se-densenet',
    });
  if (o.triplets === undefined) {
    throw new ExprsimError('E_BAD_OPTION', '--triplets is required', {
      fix: 'pass a folder written by `exprsim data triplets` (dataset.json, train.jsonl, val.jsonl)',
    });
  }
  const optimizer = str(o.optimizer);
  const schedule = str(o.schedule);
  const loss = str(o.loss);
  return {
    head: str(o.head) as string,
    headConfig: headConfig(o),
    input: inputSpec(o),
    triplets: str(o.triplets) as string,
    trainSplit: split('--train-split', o.trainSplit),
    valSplit: split('--val-split', o.valSplit),
    trainLimit: num('--train-limit', o.trainLimit),
    valLimit: num('--val-limit', o.valLimit),
    batchSize: num('--batch-size', o.batchSize),
    epochs: num('--epochs', o.epochs),
    steps: num('--steps', o.steps),
    optimizer: optimizer as TrainOptions['optimizer'],
    lr: num('--lr', o.lr, false),
    weightDecay: num('--weight-decay', o.weightDecay, false),
    momentum: num('--momentum', o.momentum, false),
    nesterov: o.nesterov === true ? true : undefined,
    schedule: schedule as TrainOptions['schedule'],
    warmupSteps: num('--warmup-steps', o.warmupSteps),
    stepSize: num('--step-size', o.stepSize),
    gamma: num('--gamma', o.gamma, false),
    minLr: num('--min-lr', o.minLr, false),
    loss: loss as TrainOptions['loss'],
    marginOneClass: num('--margin-one-class', o.marginOneClass, false),
    marginOther: num('--margin-other', o.marginOther, false),
    seed: num('--seed', o.seed),
    valEvery: num('--val-every', o.valEvery),
    checkpointEvery: num('--checkpoint-every', o.checkpointEvery),
    patience: num('--patience', o.patience),
    minDelta: num('--min-delta', o.minDelta, false),
    workers: num('--workers', o.workers),
  };
}

function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`;
}

function summary(r: TrainResult): string[] {
  const lines = [
    `run:        ${r.out}`,
    `status:     ${r.status} at step ${r.step}/${r.totalSteps}${r.startStep > 0 ? ` (resumed from ${r.startStep})` : ''}`,
    `speed:      ${r.tripletsPerSec.toFixed(1)} triplets/s (${r.config.workers >= 2 ? `${r.config.workers} workers` : 'one process'})`,
  ];
  if (r.lastValidation) {
    const v = r.lastValidation;
    lines.push(
      `last val:   accuracy ${pct(v.valAccuracy)}, loss ${v.valLoss.toFixed(4)} (step ${v.step})`,
    );
  }
  if (r.best)
    lines.push(`best:       ${pct(r.best.valAccuracy)} at step ${r.best.step} -> ${r.best.dir}`);
  if (r.status === 'interrupted') lines.push(`resume:     exprsim train --out ${r.out} --resume`);
  return lines;
}

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
    .option('--resume', 'continue the run in --out from its last checkpoint, with its config.json')
    .option('--train-split <split>', 'split to train on (default train)')
    .option('--val-split <split>', 'split to validate on (default val)')
    .option('--train-limit <n>', 'use only the first N training triplets')
    .option('--val-limit <n>', 'use only the first N validation triplets')
    .option('--batch-size <n>', 'triplets per step (default 32)')
    .option('--epochs <n>', 'passes over the training triplets (default 10)')
    .option('--steps <n>', 'optimizer steps (overrides --epochs)')
    .option('--optimizer <name>', 'adam or sgd (default adam)')
    .option('--lr <x>', 'learning rate (default 1e-3 adam, 0.01 sgd)')
    .option('--weight-decay <x>', 'L2 weight decay (default 0)')
    .option('--momentum <x>', 'sgd momentum (default 0.9)')
    .option('--nesterov', 'sgd: Nesterov momentum')
    .option(
      '--schedule <name>',
      'learning-rate schedule: constant, step, cosine (default constant)',
    )
    .option('--warmup-steps <n>', 'linear warmup steps (default 0)')
    .option('--step-size <n>', 'step schedule: steps between decays (default a third of the run)')
    .option('--gamma <x>', 'step schedule: decay factor (default 0.1)')
    .option('--min-lr <x>', 'cosine schedule: final learning rate (default 0)')
    .option('--loss <name>', 'fec (FECNet, both hinges, squared L2) or margin (default fec)')
    .option('--margin-one-class <x>', 'margin of one-class triplets (default 0.1)')
    .option('--margin-other <x>', 'margin of two- and three-class triplets (default 0.2)')
    .option('--seed <n>', 'seed of data order and weight init (default 1)')
    .option('--val-every <n>', 'validate every N steps (default: every epoch)')
    .option('--checkpoint-every <n>', 'checkpoint every N steps (default: after each validation)')
    .option('--patience <n>', 'stop after N validations without improvement (default 0 = never)')
    .option('--min-delta <x>', 'val accuracy gain that counts as improvement (default 0)')
    .option('--workers <n>', 'training worker processes (default one per core; 1 = in-process)')
    .action(async (o: Opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await initEngine({ backend: resolveBackend(g) });
      const resume = o.resume === true;
      if (resume) {
        const fixed = FIXED_ON_RESUME.filter((k) => o[k] !== undefined);
        if (fixed.length > 0) {
          throw new ExprsimError(
            'E_BAD_OPTION',
            `--resume takes the run's settings from its config.json; do not pass ${fixed.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
            {
              fix: 'only --steps, --epochs, --workers and --patience may change on resume',
            },
          );
        }
      }
      const bar = createProgressBar({ enabled: !g.json && Boolean(process.stderr.isTTY) });
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write(
          '\nexprsim: stopping after this step and writing a checkpoint (Ctrl-C again to quit now)\n',
        );
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result: TrainResult;
      try {
        result = await train({
          out: str(o.out) as string,
          resume,
          options: resume ? undefined : trainOptions(o),
          overrides: resume
            ? {
                steps: num('--steps', o.steps),
                epochs: num('--epochs', o.epochs),
                workers: num('--workers', o.workers),
                patience: num('--patience', o.patience),
              }
            : undefined,
          signal: controller.signal,
          onProgress: bar.update,
          onMetrics: (m: MetricsLine) => {
            if (m.kind === 'val' && !g.json && !process.stderr.isTTY) {
              process.stderr.write(
                `step ${m.step}: val accuracy ${pct(m.valAccuracy)}, val loss ${m.valLoss.toFixed(4)}\n`,
              );
            }
          },
          command: ['exprsim', ...process.argv.slice(2)].join(' '),
        });
      } finally {
        bar.done();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (g.json) {
        const { config: _c, ...rest } = result;
        process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
      } else process.stdout.write(`${summary(result).join('\n')}\n`);
      if (result.status === 'interrupted') process.exitCode = 130;
    });

  program
    .command('eval')
    .description(
      'triplet prediction accuracy (with 95% bootstrap intervals) and retrieval metrics of a model',
    )
    .requiredOption('--model <dir>', 'a model folder (model.json with an exprsim manifest)')
    .requiredOption('--triplets <dir>', 'triplet dataset folder (dataset.json)')
    .option('--split <split>', 'split to score (default test)')
    .option(
      '--features <cache>',
      "feature cache of the model's backbone (else the backbone runs on the images)",
    )
    .option('--limit <n>', 'only the first N triplets')
    .option('--labels <csv>', "labels CSV for retrieval metrics (default: the dataset's own)")
    .option('--no-retrieval', 'skip precision@k, mAP and k-NN accuracy')
    .option('--resamples <n>', 'bootstrap resamples (default 1000)')
    .option('--seed <n>', 'bootstrap seed (default 1)')
    .option('--knn <k>', 'k of k-NN accuracy (default 5)')
    .action(async (o: Opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await initEngine({ backend: resolveBackend(g) });
      const data = await loadEvalData(str(o.triplets) as string, {
        split: split('--split', o.split),
        limit: num('--limit', o.limit),
        labels: str(o.labels),
        noRetrieval: o.retrieval === false,
      });
      const embedder = await openModelEmbedder(str(o.model) as string, {
        features: str(o.features),
      });
      const bar = createProgressBar({ enabled: !g.json && Boolean(process.stderr.isTTY) });
      try {
        const r = await evaluateEmbedder(embedder, data, {
          bootstrap: { resamples: num('--resamples', o.resamples), seed: num('--seed', o.seed) },
          retrieval: { knnK: num('--knn', o.knn) },
          onProgress: bar.update,
        });
        bar.done();
        process.stdout.write(
          g.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatEvalTable([r])}\n`,
        );
      } finally {
        embedder.dispose();
      }
    });

  program
    .command('baselines')
    .description(
      'score the baselines (raw pixels, untrained head, face-api outputs) exactly as eval scores models',
    )
    .requiredOption('--triplets <dir>', 'triplet dataset folder (dataset.json)')
    .option('--split <split>', 'split to score (default test)')
    .option('--only <names>', `comma-separated subset of ${BASELINE_NAMES.join(', ')}`)
    .option(
      '--pixels <HxWxC>',
      'pixel input of raw pixels and the untrained head (default 48x48x1)',
    )
    .option('--head <name>', 'untrained head (default se-densenet)')
    .option('--preset <name>', 'untrained head preset (default shallow)')
    .option('--limit <n>', 'only the first N triplets')
    .option('--no-retrieval', 'skip precision@k, mAP and k-NN accuracy')
    .option('--resamples <n>', 'bootstrap resamples (default 1000)')
    .option('--seed <n>', 'bootstrap seed (default 1)')
    .action(async (o: Opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await initEngine({ backend: resolveBackend(g) });
      const only = str(o.only)
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const n of only ?? []) {
        if (!(BASELINE_NAMES as readonly string[]).includes(n)) {
          throw new ExprsimError('E_UNKNOWN_NAME', `unknown baseline "${n}"`, {
            input: `--only ${str(o.only)}`,
            fix: `use ${BASELINE_NAMES.join(', ')}`,
          });
        }
      }
      const data = await loadEvalData(str(o.triplets) as string, {
        split: split('--split', o.split),
        limit: num('--limit', o.limit),
        noRetrieval: o.retrieval === false,
      });
      const bar = createProgressBar({ enabled: !g.json && Boolean(process.stderr.isTTY) });
      const { results, failed } = await runBaselines(data, {
        only: only as BaselineName[] | undefined,
        pixels:
          o.pixels !== undefined ? parseShape3(str(o.pixels) as string, '--pixels') : undefined,
        head: str(o.head),
        headConfig: { preset: str(o.preset) ?? 'shallow' },
        bootstrap: { resamples: num('--resamples', o.resamples), seed: num('--seed', o.seed) },
        onProgress: bar.update,
      });
      bar.done();
      if (g.json) process.stdout.write(`${JSON.stringify({ results, failed }, null, 2)}\n`);
      else {
        const lines = [formatEvalTable(results)];
        for (const f of failed) lines.push(`${f.baseline}: not run (${f.error})`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    });
}
