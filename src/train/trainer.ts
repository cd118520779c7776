import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { ProgressCallback } from '../core/progress.js';
import { getEngineInfo, initEngine } from '../engine/backend.js';
import {
  DATASET_MANIFEST,
  loadTripletSplit,
  type LoadedTriplets,
} from '../data/dataset-manifest.js';
import type { TripletRow } from '../data/triplet-file.js';
import { createHead } from '../models/heads/registry.js';
import { headTailOf } from '../models/heads/common.js';
import { sha256File, writeFileAtomic } from '../core/fs.js';
import { indexTriplets } from '../embed/triplet-index.js';
import { openInputSource, type TripletInputSource } from '../embed/input-source.js';
import { initHeadTail } from './head-tail.js';
import { resolveAugment } from './augment.js';
import { initWeightsFrom, withInitHead } from './init-weights.js';
import { hasCheckpoint, readCheckpoint, type TrainerProgress } from './checkpoint.js';
import {
  inputShapeOf,
  requireNewRunOptions,
  resolveTrainConfig,
  resumeChanges,
  type TrainConfig,
  type TrainOptions,
} from './config.js';
import { DataOrder } from './data-order.js';
import { MetricsLog, type MetricsLine } from './metrics-log.js';
import { TrainOptimizer } from './optimizer.js';
import { LocalReplicas, WorkerReplicas, type Replicas } from './replicas.js';
import { TrainSession, type RunData, type SessionResult, type ValData } from './session.js';
import { tripletMargins, type TripletType } from './triplet-loss.js';
import type { OpenValidator } from './validator.js';
import { readModelManifest } from '../models/artifact.js';
import { samePreprocess } from '../align/record.js';
import type { JsonObject } from '../core/types.js';

/**
 * `exprsim train`: trains a head on triplets, resumably, over worker processes.
 *
 * A run folder holds `config.json` (the resolved {@link TrainConfig}), `metrics.jsonl` (one line
 * per step, per validation and per epoch; see metrics-log.ts), `checkpoint.json` +
 * `checkpoints/step-N/` (checkpoint.ts) and `best/`, the model artifact (saveModel) of the step
 * with the best val triplet accuracy so far, with training provenance and metrics. The steps
 * themselves are session.ts's.
 */
export interface TrainRun {
  /** The run folder, e.g. runs/NAME. */
  out: string;
  /**
   * A new run's options. With `resume`, only those a resumed run may change (RESUME_OPTIONS:
   * more steps or epochs, workers, patience); any other is refused, as the run's config.json
   * holds them.
   */
  options?: Partial<TrainOptions>;
  /** Continue from the run's last checkpoint with its config.json. */
  resume?: boolean;
  /** Abort (Ctrl-C): finish the step, write a checkpoint, stop with status 'interrupted'. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  onMetrics?: (line: MetricsLine) => void;
  /** The command line, for provenance. */
  command?: string;
  /** Opens `valSuite` (eval's openSuiteValidator); required when the run has one. */
  openValidator?: OpenValidator;
}

export interface TrainResult extends SessionResult {
  out: string;
  /** Steps done (updates; `step`), and the run's total. */
  totalSteps: number;
  /** Step the run started from (0, or the checkpoint's). */
  startStep: number;
  config: TrainConfig;
}

const CONFIG_FILE = 'config.json';

async function readConfig(out: string): Promise<TrainConfig> {
  const path = join(out, CONFIG_FILE);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as TrainConfig;
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'no training run to resume here (config.json)', {
      input: path,
      fix: 'pass the `out` folder of an earlier training run, or start a new run without `resume`',
      option: 'out',
      cause: e,
    });
  }
}

/** The run's config and its opened input: read back on resume, resolved for a new run. */
async function openRun(
  run: TrainRun,
  out: string,
): Promise<{ config: TrainConfig; source: TripletInputSource }> {
  if (run.resume) {
    const changes = resumeChanges(run.options);
    const config: TrainConfig = { ...(await readConfig(out)), ...changes };
    // A config.json from before an augmentation option existed has none of it.
    if (config.augment !== undefined) config.augment = resolveAugment(config.augment);
    return { config, source: await openInputSource(config.input) };
  }
  if (run.options === undefined)
    throw new ExprsimError('E_BAD_OPTION', 'train: options are required for a new run');
  const required = requireNewRunOptions(run.options);
  if (existsSync(join(out, CONFIG_FILE)) || hasCheckpoint(out)) {
    throw new ExprsimError('E_BAD_OPTION', 'this folder already holds a training run', {
      input: out,
      fix: 'pass `resume` to continue it, or choose another `out`',
      option: 'out',
    });
  }
  const options = await withInitHead(required);
  const source = await openInputSource(options.input);
  try {
    return {
      config: resolveTrainConfig(options, inputShapeOf(options.input, source.inputShape)),
      source,
    };
  } catch (e) {
    source.dispose();
    throw e;
  }
}

/** The training rows (E_DATA_EMPTY without any) and the indexed validation split, if it has one. */
async function loadTriplets(
  config: TrainConfig,
  source: TripletInputSource,
): Promise<{ trainSet: LoadedTriplets; trainRows: TripletRow[]; val?: ValData }> {
  const trainSet = await loadTripletSplit(config.triplets, config.trainSplit);
  let trainRows = trainSet.rows;
  if (config.trainLimit > 0) trainRows = trainRows.slice(0, config.trainLimit);
  if (trainRows.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', `the ${config.trainSplit} split has no triplets`, {
      input: config.triplets,
      fix: 'make triplets with `exprsim data triplets` first',
    });
  }
  const valSet = await loadTripletSplit(config.triplets, config.valSplit).catch((e: unknown) => {
    logger.warn(`no validation: ${(e as Error).message}`);
    return undefined;
  });
  if (valSet === undefined) return { trainSet, trainRows };
  const rows = config.valLimit > 0 ? valSet.rows.slice(0, config.valLimit) : valSet.rows;
  if (rows.length === 0) return { trainSet, trainRows };
  const idx = indexTriplets(rows, (s, k) => source.keyFor(s, k, valSet.resolve(s, k)));
  const margins = tripletMargins(
    rows.map((r) => r.type as TripletType),
    config.margins,
  );
  return { trainSet, trainRows, val: { idx, margins: Float32Array.from(margins) } };
}

/** Where a run stands: a new run at step 0, a resumed one at its last checkpoint. */
async function restoreState(
  run: TrainRun,
  out: string,
  model: Parameters<typeof readCheckpoint>[1],
  optimizer: TrainOptimizer,
): Promise<{ step: number; elapsed: number; progress: TrainerProgress }> {
  let state = {
    step: 0,
    elapsed: 0,
    progress: {
      bestAccuracy: null,
      bestStep: null,
      sinceBest: 0,
      epochLossSum: 0,
      epochRateSum: 0,
      epochSteps: 0,
    } as TrainerProgress,
  };
  if (run.resume) {
    const ck = await readCheckpoint(out, model, optimizer);
    if (ck !== undefined) state = { step: ck.step, elapsed: ck.elapsed, progress: ck.progress };
    // A finished run resumed with more steps continues; the early-stop mark is cleared.
    delete state.progress.stopped;
  }
  return state;
}

/**
 * The preprocessing record the run's models are saved with: the input's, with the `init`
 * model's framing when the two records mean the same crop (a framing says where such crops sit
 * in a photo, which training from the same crops does not move; issue 21). Without it a model
 * trained on from the default would embed photos with the plain margin until framed again.
 */
async function preprocessToSave(
  config: TrainConfig,
  source: TripletInputSource,
): Promise<JsonObject> {
  const own = source.preprocess;
  if (config.init === undefined) return own;
  const from = (await readModelManifest(config.init.model)).preprocess as JsonObject | undefined;
  const crop = from?.crop as JsonObject | undefined;
  if (crop?.framing === undefined || !samePreprocess(from, own)) return own;
  return { ...own, crop: { ...(own.crop as JsonObject), framing: crop.framing } };
}

export async function train(run: TrainRun): Promise<TrainResult> {
  const out = resolve(run.out);
  const engine = getEngineInfo() ?? (await initEngine());
  const { config, source } = await openRun(run, out);
  if (config.valSuite !== undefined && run.openValidator === undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      'the run validates on a suite but has no way to open it',
      {
        input: config.valSuite,
        fix: "pass `openValidator` (eval's openSuiteValidator) with `valSuite`",
        option: 'valSuite',
      },
    );
  }

  const replicasToClose: Replicas[] = [];
  const model = createHead(config.head.name, config.head.config);
  const tail = headTailOf(config.head.config);
  await initHeadTail(model, tail);
  const optimizer = new TrainOptimizer(config.optimizer);
  try {
    if (config.init !== undefined && !(run.resume === true && hasCheckpoint(out))) {
      // A new run, or one resumed before its first checkpoint, starts from the model's weights:
      // checked before anything is written, so a refused `init` leaves no run folder behind.
      config.init.weightsSha256 = await initWeightsFrom(model, config.init.model, {
        head: config.head.name,
        tail,
        inputShape: config.head.config.inputShape,
        backbone: source.backbone,
        weightsSha256: config.init.weightsSha256,
      });
    }
    const preprocess = await preprocessToSave(config, source);
    const { trainSet, trainRows, val } = await loadTriplets(config, source);
    const datasetSha256 = await sha256File(join(config.triplets, DATASET_MANIFEST));

    const order = new DataOrder(config.seed, trainRows.length, config.batchSize);
    const totalSteps = config.steps > 0 ? config.steps : config.epochs * order.stepsPerEpoch;
    if (config.schedule.name === 'step' && config.schedule.stepSize === 0) {
      config.schedule = { ...config.schedule, stepSize: Math.max(1, Math.floor(totalSteps / 3)) };
    }
    await mkdir(out, { recursive: true });
    await writeFileAtomic(join(out, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);

    const data: RunData = {
      trainKeys: trainRows.map((r) =>
        [r.a, r.p, r.n].map((k) => source.keyFor(r.source, k, trainSet.resolve(r.source, k))),
      ),
      trainMargins: tripletMargins(
        trainRows.map((r) => r.type as TripletType),
        config.margins,
      ),
      dataset: {
        dir: config.triplets,
        manifestSha256: datasetSha256,
        trainSplit: config.trainSplit,
        trainTriplets: trainRows.length,
        valSplit: config.valSplit,
        valTriplets: val?.idx.a.length ?? 0,
      },
      val,
    };

    // Opened before the first step: photo sets run their detector now, once for the run.
    const validator =
      config.valSuite === undefined
        ? undefined
        : await run.openValidator?.(config.valSuite, run.onProgress);
    const state = await restoreState(run, out, model, optimizer);
    const metrics = new MetricsLog(join(out, 'metrics.jsonl'));
    await metrics.truncateAfter(state.step);

    const workers = config.workers >= 2 ? config.workers : 0;
    const replicas: Replicas =
      workers > 0
        ? await WorkerReplicas.start(model, source.spec, {
            workers,
            loss: config.loss,
            backend: engine.backend,
          })
        : new LocalReplicas(model, source, config.loss);
    replicasToClose.push(replicas);

    const result = await new TrainSession({
      out,
      config,
      source,
      model,
      optimizer,
      replicas,
      data,
      order,
      totalSteps,
      metrics,
      step: state.step,
      elapsedBefore: state.elapsed,
      progress: state.progress,
      backend: engine.backend,
      command: run.command,
      signal: run.signal,
      onProgress: run.onProgress,
      onMetrics: run.onMetrics,
      preprocess,
      validator,
    }).run();
    // The fields in the order they always had (the CLI's --json prints them).
    return {
      out,
      status: result.status,
      step: result.step,
      totalSteps,
      startStep: state.step,
      config,
      best: result.best,
      lastValidation: result.lastValidation,
      tripletsPerSec: result.tripletsPerSec,
      elapsed: result.elapsed,
    };
  } finally {
    for (const r of replicasToClose) await r.close();
    optimizer.dispose();
    model.dispose();
    source.dispose();
  }
}
