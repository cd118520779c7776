import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { getWeightsFlat, setWeightsFlat, totalSize } from './gradients.js';
import type { OptimizerState, TrainOptimizer } from './optimizer.js';

/**
 * Checkpoints: `runs/NAME/checkpoints/step-<N>/` holds `weights.bin` (every model weight,
 * float32, in model.weights order), `optimizer.bin` (the optimiser's slots) and `state.json`
 * (step, epoch, elapsed time, weight names and shapes, optimiser step, the trainer's progress:
 * best accuracy, patience counter, running epoch means). The folder is written under a temporary
 * name, flushed and renamed; then `runs/NAME/checkpoint.json` (the pointer to the latest folder)
 * is replaced atomically; then older folders are removed. A kill at any moment leaves the
 * pointer naming a complete checkpoint. The data order is a function of the seed and the step
 * (data-order.ts), so the step is the whole "RNG position".
 */
export const CHECKPOINT_FORMAT = 'exprsim-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_POINTER = 'checkpoint.json';

/** The trainer's own progress, saved with each checkpoint (JSON). */
export interface TrainerProgress {
  bestAccuracy: number | null;
  bestStep: number | null;
  /** Validations since the best one. */
  sinceBest: number;
  /** Running sums of the current epoch's steps. */
  epochLossSum: number;
  epochRateSum: number;
  epochSteps: number;
  stopped?: 'early-stopped' | 'completed';
}

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Optimiser updates done. */
  step: number;
  /** Training seconds so far. */
  elapsed: number;
  weights: { name: string; shape: number[] }[];
  optimizer: Omit<OptimizerState, 'values'> & { tensors: number };
  progress: TrainerProgress;
  created: string;
}

async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const h = await open(path, 'w');
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function floatsOf(buf: Buffer): Float32Array {
  // Copy: the Buffer's offset need not be 4-byte aligned.
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

/** Writes a checkpoint of `model` and `optimizer` at `step` into `runDir`. */
export async function writeCheckpoint(
  runDir: string,
  model: tf.LayersModel,
  optimizer: TrainOptimizer,
  info: { step: number; elapsed: number; progress: TrainerProgress },
): Promise<string> {
  const root = join(runDir, 'checkpoints');
  const name = `step-${info.step}`;
  const final = join(root, name);
  const tmp = join(root, `.${name}.${process.pid}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const opt = optimizer.getState();
  const optFlat = new Float32Array(opt.values.reduce((s, v) => s + v.length, 0));
  let o = 0;
  for (const v of opt.values) {
    optFlat.set(v, o);
    o += v.length;
  }
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    step: info.step,
    elapsed: info.elapsed,
    weights: model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })),
    optimizer: { name: opt.name, step: opt.step, slots: opt.slots, tensors: opt.values.length },
    progress: info.progress,
    created: new Date().toISOString(),
  };
  await writeDurable(join(tmp, 'weights.bin'), bytesOf(getWeightsFlat(model)));
  await writeDurable(join(tmp, 'optimizer.bin'), bytesOf(optFlat));
  await writeDurable(join(tmp, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  await writeFileAtomic(
    join(runDir, CHECKPOINT_POINTER),
    `${JSON.stringify({ step: info.step, dir: `checkpoints/${name}` })}\n`,
  );
  for (const d of await readdir(root)) {
    if (d !== name) await rm(join(root, d), { recursive: true, force: true });
  }
  return final;
}

/** Whether `runDir` has a checkpoint. */
export function hasCheckpoint(runDir: string): boolean {
  return existsSync(join(runDir, CHECKPOINT_POINTER));
}

function damaged(path: string, why: string, cause?: unknown): ExprsimError {
  return new ExprsimError('E_CHECKPOINT', `checkpoint damaged: ${why}`, {
    input: path,
    fix: 'start the run again in a new `out` folder',
    cause,
  });
}

/**
 * Restores the latest checkpoint of `runDir` into `model` and `optimizer`; returns its state,
 * or undefined when the run has none.
 */
export async function readCheckpoint(
  runDir: string,
  model: tf.LayersModel,
  optimizer: TrainOptimizer,
): Promise<CheckpointState | undefined> {
  const pointer = join(runDir, CHECKPOINT_POINTER);
  if (!existsSync(pointer)) return undefined;
  let dir: string;
  let state: CheckpointState;
  try {
    dir = join(runDir, (JSON.parse(await readFile(pointer, 'utf8')) as { dir: string }).dir);
    state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState;
  } catch (e) {
    throw damaged(pointer, (e as Error).message, e);
  }
  if (state.format !== CHECKPOINT_FORMAT || state.version !== CHECKPOINT_VERSION) {
    throw damaged(dir, `not an ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION}`);
  }
  const shapes = model.weights.map((w) => w.shape as number[]);
  if (
    state.weights.length !== shapes.length ||
    state.weights.some((w, i) => w.shape.join() !== shapes[i].join())
  ) {
    throw new ExprsimError('E_CHECKPOINT', 'the checkpoint is of a different model', {
      input: dir,
      fix: "resume with the run's own config.json (do not change the head between runs)",
    });
  }
  const weights = floatsOf(await readFile(join(dir, 'weights.bin')));
  if (weights.length !== totalSize(shapes)) throw damaged(dir, 'weights.bin has the wrong size');
  setWeightsFlat(model, weights);
  const optFlat = floatsOf(await readFile(join(dir, 'optimizer.bin')));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const values: Float32Array[] = [];
  if (state.optimizer.tensors > 0) {
    let o = 0;
    for (let s = 0; s < state.optimizer.slots.length; s++) {
      for (const v of vars) {
        values.push(optFlat.slice(o, o + v.size));
        o += v.size;
      }
    }
    if (o !== optFlat.length) throw damaged(dir, 'optimizer.bin has the wrong size');
  }
  optimizer.setState({ ...state.optimizer, values }, vars);
  return state;
}
