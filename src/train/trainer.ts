import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { ProgressCallback } from '../core/progress.js';
import { getEngineInfo, initEngine } from '../engine/backend.js';
import { DATASET_MANIFEST, loadTripletSplit } from '../data/dataset-manifest.js';
import type { TripletRow } from '../data/triplet-file.js';
import { createHead } from '../models/heads/registry.js';
import { headTailOf, isTailLayer } from '../models/heads/common.js';
import { initHeadTail } from './head-tail.js';
import { initWeightsFrom, withInitHead } from './init-weights.js';
import { augmentParams, augmentsAnything } from './augment.js';
import { saveModel, type ModelManifest } from '../models/artifact.js';
import type { JsonObject } from '../core/types.js';
import { sha256File, writeFileAtomic } from '../core/fs.js';
import {
  accuracyByType,
  meanTripletLoss,
  tripletDistancesOf,
  tripletScores,
} from '../embed/triplet-accuracy.js';
import { indexTriplets, type IndexedTriplets } from '../embed/triplet-index.js';
import {
  hasCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  type TrainerProgress,
} from './checkpoint.js';
import { inputShapeOf, resolveTrainConfig, type TrainConfig, type TrainOptions } from './config.js';
import { DataOrder } from './data-order.js';
import { trainableVariables } from './gradients.js';
import { openInputSource, type TripletInputSource } from '../embed/input-source.js';
import { MetricsLog, type MetricsLine } from './metrics-log.js';
import { TrainOptimizer } from './optimizer.js';
import { LocalReplicas, WorkerReplicas, type Replicas } from './replicas.js';
import { learningRateAt } from './schedule.js';
import { tripletMargins, type TripletType } from './triplet-loss.js';

/**
 * `exprsim train`: trains a head on triplets, resumably, over worker processes.
 *
 * A run folder holds `config.json` (the resolved {@link TrainConfig}), `metrics.jsonl` (one line
 * per step, per validation and per epoch; see metrics-log.ts), `checkpoint.json` +
 * `checkpoints/step-N/` (checkpoint.ts) and `best/`, the model artifact (saveModel) of the step
 * with the best val triplet accuracy so far, with training provenance and metrics.
 */
export interface TrainRun {
  /** The run folder, e.g. runs/NAME. */
  out: string;
  /** A new run's options. With `resume`, the run's config.json is used instead. */
  options?: TrainOptions;
  /** Continue from the run's last checkpoint with its config.json. */
  resume?: boolean;
  /** With `resume`: the only settings that may change (more steps or epochs, workers, patience). */
  overrides?: Partial<Pick<TrainConfig, 'workers' | 'steps' | 'epochs' | 'patience'>>;
  /** Abort (Ctrl-C): finish the step, write a checkpoint, stop with status 'interrupted'. */
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  onMetrics?: (line: MetricsLine) => void;
  /** The command line, for provenance. */
  command?: string;
}

export interface TrainResult {
  out: string;
  status: 'completed' | 'early-stopped' | 'interrupted';
  /** Steps done (updates), and the run's total. */
  step: number;
  totalSteps: number;
  /** Step the run started from (0, or the checkpoint's). */
  startStep: number;
  config: TrainConfig;
  best?: { step: number; valAccuracy: number; dir: string };
  lastValidation?: {
    step: number;
    valLoss: number;
    valAccuracy: number;
    valAccuracyByType: Record<string, number>;
  };
  /** Mean triplets/s over this session's steps. */
  tripletsPerSec: number;
  elapsed: number;
}

const CONFIG_FILE = 'config.json';

async function readConfig(out: string): Promise<TrainConfig> {
  const path = join(out, CONFIG_FILE);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as TrainConfig;
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'no training run to resume here (config.json)', {
      input: path,
      fix: 'pass the --out folder of an earlier `exprsim train`, or start a new run without --resume',
      cause: e,
    });
  }
}

/** Replace `dir` by a fresh save, without a moment where a half-written model sits there. */
async function saveModelAtomically(
  model: tf.LayersModel,
  dir: string,
  manifest: Parameters<typeof saveModel>[2],
): Promise<ModelManifest> {
  const tmp = `${dir}.${process.pid}.tmp`;
  const old = `${dir}.old`;
  await rm(tmp, { recursive: true, force: true });
  const m = await saveModel(model, tmp, manifest);
  await rm(old, { recursive: true, force: true });
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
  return m;
}

const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as JsonObject;

interface ValData {
  idx: IndexedTriplets;
  margins: Float32Array;
}

export async function train(run: TrainRun): Promise<TrainResult> {
  const out = resolve(run.out);
  const engine = getEngineInfo() ?? (await initEngine());
  let config: TrainConfig;
  let source: TripletInputSource;
  if (run.resume) {
    config = { ...(await readConfig(out)) };
    for (const [k, v] of Object.entries(run.overrides ?? {})) {
      if (v !== undefined) (config as unknown as Record<string, unknown>)[k] = v;
    }
    source = await openInputSource(config.input);
  } else {
    if (run.options === undefined)
      throw new ExprsimError('E_BAD_OPTION', 'train: options are required for a new run');
    if (existsSync(join(out, CONFIG_FILE)) || hasCheckpoint(out)) {
      throw new ExprsimError('E_BAD_OPTION', 'this folder already holds a training run', {
        input: out,
        fix: 'pass --resume to continue it, or choose another --out',
      });
    }
    const options = await withInitHead(run.options);
    source = await openInputSource(options.input);
    config = resolveTrainConfig(options, inputShapeOf(options.input, source.inputShape));
  }

  const replicasToClose: Replicas[] = [];
  const model = createHead(config.head.name, config.head.config);
  const tail = headTailOf(config.head.config);
  await initHeadTail(model, tail);
  const optimizer = new TrainOptimizer(config.optimizer);
  try {
    if (config.init !== undefined && !(run.resume === true && hasCheckpoint(out))) {
      // A new run, or one resumed before its first checkpoint, starts from the model's weights:
      // checked before anything is written, so a refused --init leaves no run folder behind.
      config.init.weightsSha256 = await initWeightsFrom(model, config.init.model, {
        head: config.head.name,
        tail,
        inputShape: config.head.config.inputShape,
        backbone: source.backbone,
        weightsSha256: config.init.weightsSha256,
      });
    }
    const trainSet = await loadTripletSplit(config.triplets, config.trainSplit);
    let trainRows = trainSet.rows;
    if (config.trainLimit > 0) trainRows = trainRows.slice(0, config.trainLimit);
    if (trainRows.length === 0) {
      throw new ExprsimError('E_DATA_EMPTY', `the ${config.trainSplit} split has no triplets`, {
        input: config.triplets,
        fix: 'make triplets with `exprsim data triplets` first',
      });
    }
    let val: ValData | undefined;
    const valSet = await loadTripletSplit(config.triplets, config.valSplit).catch((e: unknown) => {
      logger.warn(`no validation: ${(e as Error).message}`);
      return undefined;
    });
    if (valSet !== undefined) {
      const rows = config.valLimit > 0 ? valSet.rows.slice(0, config.valLimit) : valSet.rows;
      if (rows.length > 0) {
        const idx = indexTriplets(rows, (s, k) => source.keyFor(s, k, valSet.resolve(s, k)));
        val = {
          idx,
          margins: Float32Array.from(
            tripletMargins(
              rows.map((r) => r.type as TripletType),
              config.margins,
            ),
          ),
        };
      }
    }
    const datasetSha256 = await sha256File(join(config.triplets, DATASET_MANIFEST));

    const order = new DataOrder(config.seed, trainRows.length, config.batchSize);
    const totalSteps = config.steps > 0 ? config.steps : config.epochs * order.stepsPerEpoch;
    if (config.schedule.name === 'step' && config.schedule.stepSize === 0) {
      config.schedule = { ...config.schedule, stepSize: Math.max(1, Math.floor(totalSteps / 3)) };
    }
    await mkdir(out, { recursive: true });
    await writeFileAtomic(join(out, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);

    const trainKeys = trainRows.map((r: TripletRow) =>
      [r.a, r.p, r.n].map((k) => source.keyFor(r.source, k, trainSet.resolve(r.source, k))),
    );
    const trainMargins = tripletMargins(
      trainRows.map((r) => r.type as TripletType),
      config.margins,
    );

    // Restore.
    const vars = trainableVariables(model);
    // --tail-lr-scale: the tail's weights (layers tail_…, see isTailLayer) step at lr × scale.
    const tailScale = config.tailLrScale;
    const lrScales =
      tailScale === undefined
        ? undefined
        : model.trainableWeights.map((w) => (isTailLayer(w.originalName) ? tailScale : 1));
    let step = 0;
    let elapsedBefore = 0;
    let progress: TrainerProgress = {
      bestAccuracy: null,
      bestStep: null,
      sinceBest: 0,
      epochLossSum: 0,
      epochRateSum: 0,
      epochSteps: 0,
    };
    const metrics = new MetricsLog(join(out, 'metrics.jsonl'));
    if (run.resume) {
      const ck = await readCheckpoint(out, model, optimizer);
      if (ck !== undefined) {
        step = ck.step;
        elapsedBefore = ck.elapsed;
        progress = ck.progress;
      }
      // A finished run resumed with more steps continues; the early-stop mark is cleared.
      delete progress.stopped;
    }
    await metrics.truncateAfter(step);
    const startStep = step;

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

    const sessionStart = performance.now();
    const elapsed = () => elapsedBefore + (performance.now() - sessionStart) / 1000;
    const emit = (line: MetricsLine) => {
      metrics.append(line);
      run.onMetrics?.(line);
    };
    let sessionTriplets = 0;
    let sessionTrainSec = 0;
    let lastValidation: TrainResult['lastValidation'];
    let best: TrainResult['best'] =
      progress.bestStep !== null && progress.bestAccuracy !== null && existsSync(join(out, 'best'))
        ? { step: progress.bestStep, valAccuracy: progress.bestAccuracy, dir: join(out, 'best') }
        : undefined;

    const provenance = (at: number): JsonObject =>
      json({
        command: run.command ?? null,
        config,
        dataset: {
          dir: config.triplets,
          manifestSha256: datasetSha256,
          trainSplit: config.trainSplit,
          trainTriplets: trainRows.length,
          valSplit: config.valSplit,
          valTriplets: val?.idx.a.length ?? 0,
        },
        step: at,
        epoch: order.epochOf(Math.max(0, at - 1)) + 1,
        seconds: Math.round(elapsed() * 10) / 10,
        backend: engine.backend,
        workers,
        exprsimTrain: 1,
      });

    const validate = async () => {
      if (val === undefined) return undefined;
      const emb = await replicas.embed(val.idx.keys, config.averageFlip === true);
      const dim = config.head.config.embeddingSize;
      const d = tripletDistancesOf(emb, dim, val.idx);
      const acc = accuracyByType(tripletScores(d), val.idx.types);
      return {
        valLoss: meanTripletLoss(d, val.margins, config.loss),
        valAccuracy: acc.accuracy,
        valAccuracyByType: acc.byType,
      };
    };

    let status: TrainResult['status'] = 'completed';
    const lrAt = (s: number) => learningRateAt(config.schedule, s, totalSteps);
    while (step < totalSteps) {
      const s = step;
      const epoch = order.epochOf(s) + 1;
      const batch = order.batch(s);
      const keys = batch.flatMap((i) => trainKeys[i]);
      const margins = Float32Array.from(batch.map((i) => trainMargins[i]));
      const lr = lrAt(s);
      const t0 = performance.now();
      const augment = augmentsAnything(config.augment)
        ? augmentParams(config.augment, config.seed, s, keys.length)
        : undefined;
      const { loss, grads } = await replicas.gradients(keys, margins, augment);
      try {
        if (!Number.isFinite(loss)) {
          throw new ExprsimError(
            'E_BAD_OPTION',
            `the training loss became ${loss} at step ${s + 1}`,
            {
              input: `lr=${lr}`,
              fix: 'lower --lr (or add --warmup-steps); resume from the last checkpoint',
            },
          );
        }
        optimizer.apply(vars, grads, lr, lrScales);
      } finally {
        tf.dispose(grads);
      }
      const dt = (performance.now() - t0) / 1000;
      step = s + 1;
      const rate = batch.length / dt;
      sessionTriplets += batch.length;
      sessionTrainSec += dt;
      progress.epochLossSum += loss;
      progress.epochRateSum += rate;
      progress.epochSteps++;
      emit({ kind: 'step', step, epoch, loss, lr, tripletsPerSec: rate, time: elapsed() });

      const endOfEpoch = step % order.stepsPerEpoch === 0;
      const last = step === totalSteps;
      const valDue = config.valEvery > 0 ? step % config.valEvery === 0 : endOfEpoch;
      let v: Awaited<ReturnType<typeof validate>>;
      if (valDue || last) {
        v = await validate();
        if (v !== undefined) {
          lastValidation = { step, ...v };
          emit({ kind: 'val', step, epoch, split: config.valSplit, ...v, lr, time: elapsed() });
          const better =
            progress.bestAccuracy === null ||
            v.valAccuracy > progress.bestAccuracy + config.minDelta;
          if (better) {
            progress.bestAccuracy = v.valAccuracy;
            progress.bestStep = step;
            progress.sinceBest = 0;
            const dir = join(out, 'best');
            await saveModelAtomically(model, dir, {
              backbone: source.backbone,
              preprocess: source.preprocess,
              averageFlip: config.averageFlip === true,
              training: provenance(step),
              metrics: json({
                split: config.valSplit,
                step,
                tripletAccuracy: v.valAccuracy,
                tripletAccuracyByType: v.valAccuracyByType,
                loss: v.valLoss,
              }),
            });
            best = { step, valAccuracy: v.valAccuracy, dir };
          } else {
            progress.sinceBest++;
          }
        }
      }
      if (endOfEpoch || last) {
        const n = Math.max(1, progress.epochSteps);
        emit({
          kind: 'epoch',
          step,
          epoch,
          loss: progress.epochLossSum / n,
          tripletsPerSec: progress.epochRateSum / n,
          lr,
          time: elapsed(),
          ...(v !== undefined
            ? {
                valLoss: v.valLoss,
                valAccuracy: v.valAccuracy,
                valAccuracyByType: v.valAccuracyByType,
              }
            : {}),
        });
        if (endOfEpoch) {
          progress.epochLossSum = 0;
          progress.epochRateSum = 0;
          progress.epochSteps = 0;
        }
      }
      const earlyStop = config.patience > 0 && progress.sinceBest >= config.patience;
      const aborted = run.signal?.aborted === true;
      if (earlyStop) progress.stopped = 'early-stopped';
      else if (last) progress.stopped = 'completed';
      const ckDue =
        config.checkpointEvery > 0 ? step % config.checkpointEvery === 0 : v !== undefined;
      if (ckDue || last || earlyStop || aborted) {
        await writeCheckpoint(out, model, optimizer, { step, elapsed: elapsed(), progress });
      }
      run.onProgress?.({
        done: step,
        total: totalSteps,
        label: `epoch ${epoch} loss ${loss.toFixed(4)} ${rate.toFixed(1)} triplets/s`,
      });
      if (earlyStop) {
        status = 'early-stopped';
        break;
      }
      if (aborted && !last) {
        status = 'interrupted';
        break;
      }
    }
    if (val === undefined && step > startStep) {
      // No validation split: the final model stands in for the best one.
      const dir = join(out, 'best');
      await saveModelAtomically(model, dir, {
        backbone: source.backbone,
        preprocess: source.preprocess,
        averageFlip: config.averageFlip === true,
        training: provenance(step),
      });
      best = { step, valAccuracy: NaN, dir };
    }
    return {
      out,
      status,
      step,
      totalSteps,
      startStep,
      config,
      best,
      lastValidation,
      tripletsPerSec: sessionTrainSec > 0 ? sessionTriplets / sessionTrainSec : 0,
      elapsed: elapsed(),
    };
  } finally {
    for (const r of replicasToClose) await r.close();
    optimizer.dispose();
    model.dispose();
    source.dispose();
  }
}
