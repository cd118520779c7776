import type { Command } from 'commander';
import { BASELINE_NAMES } from '../../eval/baseline-names.js';
import { ExprsimError } from '../../core/errors.js';
import type {
  BaselineName,
  InputSpec,
  MetricsLine,
  TrainOptions,
  TrainResult,
} from '../../index.js';
import { parseShape3 } from '../../models/heads/options.js';
import { RESIZE_KERNELS } from '../../image/types.js';
import {
  optString,
  parseChoice,
  parseNumber,
  parseSplit,
  startEngine,
  type GlobalOptions,
  type OptionValue,
} from '../options.js';
import { abortOnInterrupt } from '../interrupt.js';
import { printJson, printLines, progressBar } from '../output.js';
import { logger } from '../../core/logger.js';
import { kernelsLabel } from '../../engine/backend-names.js';
import type { EngineInfo } from '../../engine/backend.js';

type Opts = Record<string, OptionValue>;

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
  if (o.mirrorFeatures !== undefined && o.features === undefined) {
    throw new ExprsimError('E_BAD_OPTION', '--mirror-features goes with --features', {
      input: `--mirror-features ${String(o.mirrorFeatures)}`,
      fix: 'pass the unmirrored cache as --features too (pixel inputs mirror themselves)',
    });
  }
  if (o.features !== undefined) {
    const mirror = optString(o.mirrorFeatures);
    return {
      kind: 'features',
      cache: optString(o.features) as string,
      ...(mirror !== undefined ? { mirror } : {}),
    };
  }
  if (o.pixels !== undefined)
    return { kind: 'pixels', shape: parseShape3(optString(o.pixels) as string, '--pixels') };
  return { kind: 'random', shape: parseShape3(optString(o.random) as string, '--random') };
}

function headConfig(o: Opts): Record<string, unknown> {
  let cfg: Record<string, unknown> = {};
  const raw = optString(o.headConfig);
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

/** A comma-separated list of baseline names (`all` = every one), checked. */
function baselineNames(option: string, raw: string | undefined): BaselineName[] | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === 'all') return [...BASELINE_NAMES];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) {
    throw new ExprsimError('E_BAD_OPTION', `${option} names no baseline`, {
      input: `${option} ${JSON.stringify(raw)}`,
      fix: `pass all, or some of ${BASELINE_NAMES.join(', ')}`,
    });
  }
  for (const n of names) {
    if (!(BASELINE_NAMES as readonly string[]).includes(n)) {
      throw new ExprsimError('E_UNKNOWN_NAME', `unknown baseline "${n}"`, {
        input: `${option} ${raw}`,
        fix: `use all, or some of ${BASELINE_NAMES.join(', ')}`,
      });
    }
  }
  return names as BaselineName[];
}

/** The options that shape a run; with --resume they come from the run's config.json. */
const FIXED_ON_RESUME = [
  'head',
  'preset',
  'headConfig',
  'features',
  'mirrorFeatures',
  'pixels',
  'random',
  'triplets',
  'batchSize',
  'optimizer',
  'lr',
  'schedule',
  'loss',
  'seed',
  'flip',
  'shift',
  'averageFlip',
  'init',
  'tailLrScale',
] as const;

function trainOptions(o: Opts): TrainOptions {
  if (o.head === undefined && o.init === undefined)
    throw new ExprsimError('E_BAD_OPTION', '--head is required', {
      fix: 'e.g. --head se-densenet (or --init MODEL to start from a trained model)',
    });
  if (o.triplets === undefined) {
    throw new ExprsimError('E_BAD_OPTION', '--triplets is required', {
      fix: 'pass a folder written by `exprsim data triplets` (dataset.json, train.jsonl, val.jsonl)',
    });
  }
  const optimizer = optString(o.optimizer);
  const schedule = optString(o.schedule);
  const loss = optString(o.loss);
  return {
    head: optString(o.head),
    headConfig: headConfig(o),
    init: optString(o.init),
    input: inputSpec(o),
    triplets: optString(o.triplets) as string,
    trainSplit: parseSplit('--train-split', o.trainSplit),
    valSplit: parseSplit('--val-split', o.valSplit),
    trainLimit: parseNumber('--train-limit', o.trainLimit),
    valLimit: parseNumber('--val-limit', o.valLimit),
    batchSize: parseNumber('--batch-size', o.batchSize),
    epochs: parseNumber('--epochs', o.epochs),
    steps: parseNumber('--steps', o.steps),
    optimizer: optimizer as TrainOptions['optimizer'],
    lr: parseNumber('--lr', o.lr, { int: false }),
    weightDecay: parseNumber('--weight-decay', o.weightDecay, { int: false }),
    momentum: parseNumber('--momentum', o.momentum, { int: false }),
    nesterov: o.nesterov === true ? true : undefined,
    schedule: schedule as TrainOptions['schedule'],
    warmupSteps: parseNumber('--warmup-steps', o.warmupSteps),
    stepSize: parseNumber('--step-size', o.stepSize),
    gamma: parseNumber('--gamma', o.gamma, { int: false }),
    minLr: parseNumber('--min-lr', o.minLr, { int: false }),
    loss: loss as TrainOptions['loss'],
    marginOneClass: parseNumber('--margin-one-class', o.marginOneClass, { int: false }),
    marginOther: parseNumber('--margin-other', o.marginOther, { int: false }),
    seed: parseNumber('--seed', o.seed),
    valEvery: parseNumber('--val-every', o.valEvery),
    checkpointEvery: parseNumber('--checkpoint-every', o.checkpointEvery),
    patience: parseNumber('--patience', o.patience),
    minDelta: parseNumber('--min-delta', o.minDelta, { int: false }),
    workers: parseNumber('--workers', o.workers),
    ...(o.flip === true || o.shift !== undefined
      ? {
          augment: {
            flip: o.flip === true,
            shift: parseNumber('--shift', o.shift, { int: false, max: 0.5 }) ?? 0,
          },
        }
      : {}),
    ...(o.averageFlip === true ? { averageFlip: true } : {}),
    tailLrScale: parseNumber('--tail-lr-scale', o.tailLrScale, { int: false }),
  };
}

function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(1)}%`;
}

function summary(r: TrainResult, engine: EngineInfo): string[] {
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
    .option(
      '--init <model>',
      'start from a trained model\'s weights (its head unless --head; same backbone), e.g. to train it on with a new schedule; with --head-config \'{"tail":"faceapi-expression-dense3"}\' on a dense2 cache, a dense3 model also fine-tunes the backbone\'s last block',
    )
    .option('--train-split <split>', 'split to train on (default train)')
    .option('--val-split <split>', 'split to validate on (default val)')
    .option('--train-limit <n>', 'use only the first N training triplets')
    .option('--val-limit <n>', 'use only the first N validation triplets')
    .option('--batch-size <n>', 'triplets per step (default 32)')
    .option('--epochs <n>', 'passes over the training triplets (default 10)')
    .option('--steps <n>', 'optimizer steps (overrides --epochs)')
    .option('--optimizer <name>', 'adam or sgd (default adam)')
    .option('--lr <x>', 'learning rate (default 1e-3 adam, 0.01 sgd)')
    .option(
      '--tail-lr-scale <x>',
      "with a head tail: the tail's learning rate is --lr × x (default 1), e.g. to fine-tune the backbone block faster than a trained head",
    )
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
    .action(async (o: Opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const engine = await startEngine(g);
      if (engine.native !== undefined && !engine.native.loaded) {
        logger.warn(
          `training on wasm alone, without the native BLAS kernels (${engine.native.detail}); steps are about 1.5-2x slower`,
        );
      }
      const { train } = await import('../../train/index.js');
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
      const bar = progressBar(g);
      const interrupt = abortOnInterrupt();
      let result: TrainResult;
      try {
        result = await train({
          out: optString(o.out) as string,
          resume,
          options: resume ? undefined : trainOptions(o),
          overrides: resume
            ? {
                steps: parseNumber('--steps', o.steps),
                epochs: parseNumber('--epochs', o.epochs),
                workers: parseNumber('--workers', o.workers),
                patience: parseNumber('--patience', o.patience),
              }
            : undefined,
          signal: interrupt.signal,
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
        interrupt.release();
      }
      if (g.json) {
        const { config: _c, ...rest } = result;
        printJson(rest);
      } else printLines(summary(result, engine));
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
    .option(
      '--mirror-features <cache>',
      'its mirrored view (`exprsim features … --mirror`), for models that average flips',
    )
    .option(
      '--average-flip',
      'flip-average the embeddings even if the model does not (to score the option)',
    )
    .option('--limit <n>', 'only the first N triplets')
    .option('--labels <csv>', "labels CSV for retrieval metrics (default: the dataset's own)")
    .option('--no-retrieval', 'skip precision@k, mAP and k-NN accuracy')
    .option('--resamples <n>', 'bootstrap resamples (default 1000)')
    .option('--seed <n>', 'bootstrap seed (default 1)')
    .option('--knn <k>', 'k of k-NN accuracy (default 5)')
    .option(
      '--calibration-out <file>',
      "write random-pair distance quantiles of the split's images (a model's calibration.json)",
    )
    .option(
      '--versus <baselines>',
      `also score baselines on the same triplets (all, or some of ${BASELINE_NAMES.join(', ')}) and print the model's margin over each with a paired 95% interval`,
    )
    .option(
      '--versus-resize <kernel>',
      `the baselines' resampling (as baselines --resize): ${RESIZE_KERNELS.join(', ')}`,
    )
    .action(async (o: Opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await startEngine(g);
      const versus = baselineNames('--versus', optString(o.versus));
      const versusResize = parseChoice('--versus-resize', o.versusResize, RESIZE_KERNELS);
      if (versusResize !== undefined && versus === undefined) {
        throw new ExprsimError('E_BAD_OPTION', '--versus-resize needs --versus', {
          input: `--versus-resize ${versusResize}`,
          fix: 'name the baselines to compare with, e.g. --versus all',
        });
      }
      const {
        evaluateEmbedder,
        formatEvalTable,
        formatMargins,
        loadEvalData,
        scoreMarginsOverBaselines,
      } = await import('../../eval/index.js');
      const { openModelEmbedder } = await import('../../embed/index.js');
      const data = await loadEvalData(optString(o.triplets) as string, {
        split: parseSplit('--split', o.split),
        limit: parseNumber('--limit', o.limit),
        labels: optString(o.labels),
        noRetrieval: o.retrieval === false,
      });
      const embedder = await openModelEmbedder(optString(o.model) as string, {
        features: optString(o.features),
        mirrorFeatures: optString(o.mirrorFeatures),
        averageFlip: o.averageFlip === true,
      });
      const bar = progressBar(g);
      let disposed = false;
      try {
        const bootstrap = {
          resamples: parseNumber('--resamples', o.resamples),
          seed: parseNumber('--seed', o.seed),
        };
        let scores: Float64Array = new Float64Array(0);
        const r = await evaluateEmbedder(embedder, data, {
          bootstrap,
          retrieval: { knnK: parseNumber('--knn', o.knn) },
          calibration: o.calibrationOut === undefined ? undefined : {},
          onProgress: bar.update,
          onScores: (s) => (scores = s),
        });
        bar.done();
        let vs: Awaited<ReturnType<typeof scoreMarginsOverBaselines>> | undefined;
        if (versus !== undefined) {
          // The model is done: free it before the baselines load theirs. Margins need only the
          // triplets, so the baselines skip retrieval.
          embedder.dispose();
          disposed = true;
          vs = await scoreMarginsOverBaselines(
            scores,
            { ...data, labelled: undefined, labelledSkipped: 'margins need only the triplets' },
            { only: versus, resize: versusResize, bootstrap, onProgress: bar.update },
          );
          bar.done();
        }
        const calibrationOut = optString(o.calibrationOut);
        if (calibrationOut !== undefined && r.randomPairDistances !== undefined) {
          const { writeFileAtomic } = await import('../../core/fs.js');
          const calibration = {
            format: 'exprsim-calibration',
            version: 1,
            what: 'Euclidean distances between random pairs of distinct images, as 1001 quantiles',
            dataset: r.dataset,
            split: r.split,
            images: r.images,
            randomPairDistances: r.randomPairDistances.map((d) => Number(d.toFixed(6))),
          };
          await writeFileAtomic(calibrationOut, `${JSON.stringify(calibration)}\n`);
        }
        if (g.json) printJson(vs === undefined ? r : { ...r, versus: vs });
        else {
          const lines = [formatEvalTable([r])];
          if (vs !== undefined) lines.push('', ...formatMargins(r.embedder, vs));
          printLines(lines);
        }
      } finally {
        if (!disposed) embedder.dispose();
      }
    });

  program
    .command('baselines')
    .description(
      "score the baselines (raw pixels, untrained head, face-api outputs, Human's emotion probabilities) exactly as eval scores models",
    )
    .requiredOption('--triplets <dir>', 'triplet dataset folder (dataset.json)')
    .option('--split <split>', 'split to score (default test)')
    .option('--only <names>', `comma-separated subset of ${BASELINE_NAMES.join(', ')}`)
    .option(
      '--pixels <HxWxC>',
      'pixel input of raw pixels and the untrained head (default 48x48x1)',
    )
    .option(
      '--resize <kernel>',
      `resampling of the pixel baselines and face-api's outputs: ${RESIZE_KERNELS.join(', ')} (default lanczos3; face-api.js itself: linear)`,
    )
    .option('--head <name>', 'untrained head (default se-densenet)')
    .option('--preset <name>', 'untrained head preset (default shallow)')
    .option('--limit <n>', 'only the first N triplets')
    .option('--no-retrieval', 'skip precision@k, mAP and k-NN accuracy')
    .option('--resamples <n>', 'bootstrap resamples (default 1000)')
    .option('--seed <n>', 'bootstrap seed (default 1)')
    .action(async (o: Opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await startEngine(g);
      const only = baselineNames('--only', optString(o.only));
      const { formatEvalTable, loadEvalData, runBaselines } = await import('../../eval/index.js');
      const data = await loadEvalData(optString(o.triplets) as string, {
        split: parseSplit('--split', o.split),
        limit: parseNumber('--limit', o.limit),
        noRetrieval: o.retrieval === false,
      });
      const bar = progressBar(g);
      const { results, failed } = await runBaselines(data, {
        only,
        pixels:
          o.pixels !== undefined
            ? parseShape3(optString(o.pixels) as string, '--pixels')
            : undefined,
        resize: parseChoice('--resize', o.resize, RESIZE_KERNELS),
        head: optString(o.head),
        headConfig: { preset: optString(o.preset) ?? 'shallow' },
        bootstrap: {
          resamples: parseNumber('--resamples', o.resamples),
          seed: parseNumber('--seed', o.seed),
        },
        onProgress: bar.update,
      });
      bar.done();
      if (g.json) printJson({ results, failed });
      else {
        const lines = [formatEvalTable(results)];
        for (const f of failed) lines.push(`${f.baseline}: not run (${f.error})`);
        printLines(lines);
      }
    });
}
