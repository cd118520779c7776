import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { JsonObject } from '../core/types.js';
import type { ProgressCallback } from '../core/progress.js';
import { saveModel, type ModelManifest } from '../models/artifact.js';
import { isTailLayer } from '../models/heads/common.js';
import {
  accuracyByType,
  meanTripletLoss,
  tripletDistancesOf,
  tripletScores,
} from '../embed/triplet-accuracy.js';
import type { IndexedTriplets } from '../embed/triplet-index.js';
import type { TripletInputSource } from '../embed/input-source.js';
import { augmentParams, augmentsAnything } from './augment.js';
import { writeCheckpoint, type TrainerProgress } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import type { DataOrder } from './data-order.js';
import { trainableVariables } from './gradients.js';
import type { MetricsLine, MetricsLog } from './metrics-log.js';
import type { TrainOptimizer } from './optimizer.js';
import type { Replicas } from './replicas.js';
import type { ModelValidator, SuiteScore } from './validator.js';
import { learningRateAt } from './schedule.js';

/**
 * One training session of a run (trainer.ts sets it up): the steps from where the run stands to
 * its end, an early stop or an abort, with validation, the best model, epoch lines and
 * checkpoints along the way.
 */

export interface ValData {
  idx: IndexedTriplets;
  margins: Float32Array;
}

/** A run's triplets, as the session steps through them. */
export interface RunData {
  /** Training triplets: the 3 input keys of each, and its margin. */
  trainKeys: string[][];
  trainMargins: number[];
  /** For provenance. */
  dataset: JsonObject;
  val?: ValData;
}

export interface SessionResult {
  status: 'completed' | 'early-stopped' | 'interrupted';
  step: number;
  best?: { step: number; valAccuracy: number; dir: string };
  lastValidation?: {
    step: number;
    valLoss: number;
    valAccuracy: number;
    valAccuracyByType: Record<string, number>;
    /** With a validator: its mean over the suite's sets, which chose the best model. */
    suite?: SuiteScore;
  };
  tripletsPerSec: number;
  elapsed: number;
}

export interface SessionSetup {
  out: string;
  config: TrainConfig;
  source: TripletInputSource;
  model: tf.LayersModel;
  optimizer: TrainOptimizer;
  replicas: Replicas;
  data: RunData;
  order: DataOrder;
  totalSteps: number;
  metrics: MetricsLog;
  /** Where the run stands: the checkpoint's step, seconds and progress (0 for a new run). */
  step: number;
  elapsedBefore: number;
  progress: TrainerProgress;
  /** For provenance. */
  backend: string;
  command?: string;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  onMetrics?: (line: MetricsLine) => void;
  /** Scores each validation's candidate on a suite too; its mean then chooses the best. */
  validator?: ModelValidator;
  /** The preprocessing record saved with the models (the input's, maybe with a framing). */
  preprocess?: JsonObject;
}

/** The run's own val split's figures (NaN without one), and the suite's, with a validator. */
type Validation = {
  valLoss: number;
  valAccuracy: number;
  valAccuracyByType: Record<string, number>;
  suite?: SuiteScore;
};

const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as JsonObject;

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

export class TrainSession {
  private readonly s: SessionSetup;
  private readonly vars: tf.Variable[];
  private readonly lrScales: number[] | undefined;
  private readonly sessionStart = performance.now();
  private step: number;
  private sessionTriplets = 0;
  private sessionTrainSec = 0;
  private lastValidation: SessionResult['lastValidation'];
  private best: SessionResult['best'];

  constructor(setup: SessionSetup) {
    this.s = setup;
    this.step = setup.step;
    this.vars = trainableVariables(setup.model);
    // `tailLrScale`: the tail's weights (layers tail_…, see isTailLayer) step at lr × scale.
    const tailScale = setup.config.tailLrScale;
    this.lrScales =
      tailScale === undefined
        ? undefined
        : setup.model.trainableWeights.map((w) => (isTailLayer(w.originalName) ? tailScale : 1));
    const { progress, out } = setup;
    this.best =
      progress.bestStep !== null && progress.bestAccuracy !== null && existsSync(join(out, 'best'))
        ? { step: progress.bestStep, valAccuracy: progress.bestAccuracy, dir: join(out, 'best') }
        : undefined;
  }

  private elapsed(): number {
    return this.s.elapsedBefore + (performance.now() - this.sessionStart) / 1000;
  }

  private emit(line: MetricsLine): void {
    this.s.metrics.append(line);
    this.s.onMetrics?.(line);
  }

  /** Trains to the end of the run (or an early stop, or the signal). */
  async run(): Promise<SessionResult> {
    const { totalSteps, data, out } = this.s;
    const startStep = this.step;
    let status: SessionResult['status'] = 'completed';
    while (this.step < totalSteps) {
      const stop = await this.trainOneStep();
      if (stop !== undefined) {
        status = stop;
        break;
      }
    }
    if (data.val === undefined && this.s.validator === undefined && this.step > startStep) {
      // No validation split: the final model stands in for the best one.
      const dir = join(out, 'best');
      await this.saveBest(dir);
      this.best = { step: this.step, valAccuracy: NaN, dir };
    }
    return {
      status,
      step: this.step,
      best: this.best,
      lastValidation: this.lastValidation,
      tripletsPerSec: this.sessionTrainSec > 0 ? this.sessionTriplets / this.sessionTrainSec : 0,
      elapsed: this.elapsed(),
    };
  }

  /** One optimiser step and what follows it; the reason to stop, if the run stops here. */
  private async trainOneStep(): Promise<'early-stopped' | 'interrupted' | undefined> {
    const { config, order, totalSteps, progress } = this.s;
    const s = this.step;
    const epoch = order.epochOf(s) + 1;
    const { loss, lr, rate } = await this.update(s);
    const step = s + 1;
    this.step = step;
    progress.epochLossSum += loss;
    progress.epochRateSum += rate;
    progress.epochSteps++;
    this.emit({ kind: 'step', step, epoch, loss, lr, tripletsPerSec: rate, time: this.elapsed() });

    const endOfEpoch = step % order.stepsPerEpoch === 0;
    const last = step === totalSteps;
    const valDue = config.valEvery > 0 ? step % config.valEvery === 0 : endOfEpoch;
    const v = valDue || last ? await this.validateAndKeepBest(epoch, lr) : undefined;
    if (endOfEpoch || last) this.endEpoch(epoch, lr, endOfEpoch, v);

    const earlyStop = config.patience > 0 && progress.sinceBest >= config.patience;
    const aborted = this.s.signal?.aborted === true;
    if (earlyStop) progress.stopped = 'early-stopped';
    else if (last) progress.stopped = 'completed';
    const ckDue =
      config.checkpointEvery > 0 ? step % config.checkpointEvery === 0 : v !== undefined;
    if (ckDue || last || earlyStop || aborted) {
      await writeCheckpoint(this.s.out, this.s.model, this.s.optimizer, {
        step,
        elapsed: this.elapsed(),
        progress,
      });
    }
    this.s.onProgress?.({
      done: step,
      total: totalSteps,
      label: `epoch ${epoch} loss ${loss.toFixed(4)} ${rate.toFixed(1)} triplets/s`,
    });
    if (earlyStop) return 'early-stopped';
    if (aborted && !last) return 'interrupted';
    return undefined;
  }

  /** The gradient of step `s`'s batch (over the replicas) applied at the schedule's rate. */
  private async update(s: number): Promise<{ loss: number; lr: number; rate: number }> {
    const { config, order, data, totalSteps } = this.s;
    const batch = order.batch(s);
    const keys = batch.flatMap((i) => data.trainKeys[i]);
    const margins = Float32Array.from(batch.map((i) => data.trainMargins[i]));
    const lr = learningRateAt(config.schedule, s, totalSteps);
    const t0 = performance.now();
    const augment = augmentsAnything(config.augment)
      ? augmentParams(config.augment, config.seed, s, keys.length)
      : undefined;
    const { loss, grads } = await this.s.replicas.gradients(keys, margins, augment);
    try {
      if (!Number.isFinite(loss)) {
        throw new ExprsimError(
          'E_BAD_OPTION',
          `the training loss became ${loss} at step ${s + 1}`,
          {
            input: `lr=${lr}`,
            fix: 'lower `lr` (or add `warmupSteps`); resume from the last checkpoint',
            option: 'lr',
          },
        );
      }
      this.s.optimizer.apply(this.vars, grads, lr, this.lrScales);
    } finally {
      tf.dispose(grads);
    }
    const dt = (performance.now() - t0) / 1000;
    this.sessionTriplets += batch.length;
    this.sessionTrainSec += dt;
    return { loss, lr, rate: batch.length / dt };
  }

  private async validate(): Promise<Validation | undefined> {
    const { config, data, replicas, validator } = this.s;
    const val = data.val;
    let own: Validation | undefined;
    if (val !== undefined) {
      const emb = await replicas.embed(val.idx.keys, config.averageFlip === true);
      const dim = config.head.config.embeddingSize;
      const d = tripletDistancesOf(emb, dim, val.idx);
      const acc = accuracyByType(tripletScores(d), val.idx.types);
      own = {
        valLoss: meanTripletLoss(d, val.margins, config.loss),
        valAccuracy: acc.accuracy,
        valAccuracyByType: acc.byType,
      };
    }
    if (validator === undefined) return own;
    // The suite scores the candidate as users get it: saved, then loaded as a model folder.
    const dir = join(this.s.out, 'val-candidate');
    await this.saveBest(dir);
    try {
      const suite = await validator.score(dir, this.s.onProgress);
      return { ...(own ?? { valLoss: NaN, valAccuracy: NaN, valAccuracyByType: {} }), suite };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Validates; a better val accuracy (by more than minDelta) saves the model as `best/`. */
  private async validateAndKeepBest(epoch: number, lr: number): Promise<Validation | undefined> {
    const { config, progress, out } = this.s;
    const step = this.step;
    const v = await this.validate();
    if (v === undefined) return undefined;
    this.lastValidation = { step, ...v };
    this.emit({ kind: 'val', step, epoch, split: config.valSplit, ...v, lr, time: this.elapsed() });
    // With a suite, its mean over the sets chooses; else the run's own val split.
    const chosenBy = v.suite?.mean ?? v.valAccuracy;
    const better =
      progress.bestAccuracy === null || chosenBy > progress.bestAccuracy + config.minDelta;
    if (!better) {
      progress.sinceBest++;
      return v;
    }
    progress.bestAccuracy = chosenBy;
    progress.bestStep = step;
    progress.sinceBest = 0;
    const dir = join(out, 'best');
    await this.saveBest(
      dir,
      json({
        split: config.valSplit,
        step,
        tripletAccuracy: v.valAccuracy,
        tripletAccuracyByType: v.valAccuracyByType,
        loss: v.valLoss,
        ...(v.suite === undefined
          ? {}
          : { suite: { file: this.s.validator?.file, mean: v.suite.mean, sets: v.suite.sets } }),
      }),
    );
    this.best = { step, valAccuracy: chosenBy, dir };
    return v;
  }

  /** The epoch's line (means over its steps); the running sums restart at an epoch's end. */
  private endEpoch(epoch: number, lr: number, endOfEpoch: boolean, v: Validation | undefined) {
    const progress = this.s.progress;
    const n = Math.max(1, progress.epochSteps);
    this.emit({
      kind: 'epoch',
      step: this.step,
      epoch,
      loss: progress.epochLossSum / n,
      tripletsPerSec: progress.epochRateSum / n,
      lr,
      time: this.elapsed(),
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

  private async saveBest(dir: string, metrics?: JsonObject): Promise<void> {
    const { model, source, config } = this.s;
    await saveModelAtomically(model, dir, {
      backbone: source.backbone,
      preprocess: this.s.preprocess ?? source.preprocess,
      averageFlip: config.averageFlip === true,
      training: this.provenance(this.step),
      ...(metrics !== undefined ? { metrics } : {}),
    });
  }

  private provenance(at: number): JsonObject {
    const { config, data, order } = this.s;
    return json({
      command: this.s.command ?? null,
      config,
      dataset: data.dataset,
      step: at,
      epoch: order.epochOf(Math.max(0, at - 1)) + 1,
      seconds: Math.round(this.elapsed() * 10) / 10,
      backend: this.s.backend,
      workers: this.s.replicas.workers,
      exprsimTrain: 1,
    });
  }
}
