import * as tf from '@tensorflow/tfjs';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AUGMENT_PARAMS, applyAugment, type PixelRange } from './augment.js';
import type { TensorScale } from '../image/index.js';

/** The values each pixel scale spans (input-source.ts's scalings of 0..255). */
const PIXEL_RANGES: Record<TensorScale, PixelRange> = {
  '0-1': { lo: 0, hi: 1 },
  '0-255': { lo: 0, hi: 255 },
  '-1-1': { lo: -1, hi: 1 },
};
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { BackendName } from '../engine/backend.js';
import {
  flatten,
  getWeightsFlat,
  lossFunction,
  setWeightsAt,
  setWeightsFlat,
  shardGradients,
  stateWeightIndices,
  totalSize,
  unflatten,
  type LossName,
} from './gradients.js';
import type { InputSpec, TripletInputSource } from '../embed/input-source.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';
import { embedWith, noMirror } from '../embed/forward.js';

/**
 * Where the gradient of a batch is computed. The main process always owns the model and the
 * optimiser: it asks its replicas for the batch's loss and gradient at the current weights,
 * applies the update itself, and asks again. Two implementations:
 *
 * - {@link LocalReplicas}: in the main process (`workers` ≤ 1).
 * - {@link WorkerReplicas}: data-parallel over forked worker processes (tfjs-wasm runs one thread
 *   per process, so this is how training uses more than one core). Per step, the main process
 *   sends each worker the current weights (one flat Float32Array) and its shard of the batch
 *   (image keys and margins, never pixels or features: each worker loads its own inputs from
 *   the same {@link InputSpec}); each worker returns its shard's mean loss, its gradient and its
 *   batch-norm moving statistics after the forward pass. The main process averages the
 *   gradients and moving statistics weighted by shard size (the batch loss is the mean over
 *   triplets, so this is exactly the full batch's gradient when the model has no batch norm),
 *   applies the optimiser once and sends the new weights with the next step.
 *   Broadcasting weights rather than letting every worker run its own optimiser costs the same
 *   bytes (one model's worth each way per worker per step) but keeps one authoritative copy of
 *   weights, optimiser state and moving statistics: checkpoints come from the main process
 *   alone, and workers can never drift apart. Batch norm normalises over each worker's shard
 *   (like PyTorch DDP without SyncBN); the moving statistics are the shard-size-weighted mean of
 *   the workers' (the mean over the batch for the moving mean; the mean of the shards' variances,
 *   without the between-shard part, for the moving variance).
 */
export interface Replicas {
  /** Worker processes; 0 = in-process. */
  readonly workers: number;
  /**
   * Loss and gradient (one tensor per trainable variable, the caller disposes) of a batch at
   * the model's current weights; `keys` are the inputs triplet by triplet (3 per triplet),
   * `margins` one per triplet. The model's batch-norm moving statistics move as in training.
   */
  gradients(
    keys: readonly string[],
    margins: Float32Array,
    augment?: Float32Array,
  ): Promise<{ loss: number; grads: tf.Tensor[] }>;
  /** Inference-mode embeddings of `keys`, flat [n × D]. */
  embed(keys: readonly string[], averageFlip?: boolean): Promise<Float32Array>;
  /** The model's weights were changed outside `gradients` (e.g. restored): resend them. */
  invalidate(): void;
  close(): Promise<void>;
}

/** Contiguous shards of `n` items over `parts`, sizes differing by at most one; empty ones dropped. */
export function shardRanges(n: number, parts: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const base = Math.floor(n / parts);
  const extra = n % parts;
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const size = base + (i < extra ? 1 : 0);
    if (size > 0) out.push({ start, end: start + size });
    start += size;
  }
  return out;
}

/** E_BAD_OPTION: `what` needs mirrored inputs, which `source` cannot give. */
/**
 * A training shard's inputs, augmented by its slice of the step's parameters (augment.ts): the
 * same images come out whichever process loads them.
 */
async function loadAugmented(
  source: TripletInputSource,
  keys: readonly string[],
  augment: Float32Array | undefined,
): Promise<tf.Tensor4D> {
  if (augment === undefined) return source.load(keys);
  if (source.spec.kind === 'features') {
    // A feature cache cannot be moved or resampled: flips come from its mirrored view.
    if (source.loadMirrored === undefined) throw noMirror(source, 'flip augmentation');
    const flips = keys.map((_, i) => augment[i * AUGMENT_PARAMS] === 1);
    return source.loadMirrored(keys, flips);
  }
  const x = await source.load(keys);
  try {
    const scale = source.spec.kind === 'pixels' ? source.spec.scale : undefined;
    return applyAugment(x, augment, PIXEL_RANGES[scale ?? '0-1']);
  } finally {
    x.dispose();
  }
}

/** Gradients in the main process. */
export class LocalReplicas implements Replicas {
  readonly workers = 0;
  constructor(
    private readonly model: tf.LayersModel,
    private readonly source: TripletInputSource,
    private readonly loss: LossName,
  ) {}

  async gradients(keys: readonly string[], margins: Float32Array, augment?: Float32Array) {
    const x = await loadAugmented(this.source, keys, augment);
    try {
      return shardGradients(this.model, x, margins, lossFunction(this.loss));
    } finally {
      x.dispose();
    }
  }

  embed(keys: readonly string[], averageFlip = false): Promise<Float32Array> {
    return embedWith(this.model, this.source, keys, averageFlip);
  }

  invalidate(): void {}
  async close(): Promise<void> {}
}

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stderr = '';
  private exited: Error | undefined;

  constructor(
    readonly index: number,
    script: string,
    execArgv: string[],
  ) {
    this.child = fork(script, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, EXPRSIM_TRAIN_WORKER: String(index) },
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.child.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.type === 'error') {
        p.reject(
          new ExprsimError(m.code as never, `training worker ${index}: ${m.message}`, {
            input: m.input,
            fix: m.fix,
          }),
        );
      } else p.resolve(m);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = new ExprsimError(
        'E_WORKER',
        `training worker ${index} exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
        {
          fix: 'rerun with debug logging (`verbose`), or with `workers` 1 to train in one process',
          option: 'workers',
        },
      );
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
    this.child.on('error', (e) => logger.debug(`training worker ${index}: ${e.message}`));
  }

  request(msg: WorkerRequest): Promise<WorkerReply> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...msg, id }, (e) => {
        if (e) {
          this.pending.delete(id);
          reject(new ExprsimError('E_WORKER', `training worker ${this.index}: ${e.message}`));
        }
      });
    });
  }

  async close(): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      this.child.send({ type: 'close', id: 0 });
    } catch {
      this.child.kill();
    }
    const timer = setTimeout(() => this.child.kill(), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** The worker script and Node flags: the .ts source through tsx, or the built .js. */
export function workerEntry(): { script: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(
    new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url),
  );
  return { script, execArgv: fromSource ? ['--import', import.meta.resolve('tsx')] : [] };
}

/** Data-parallel gradients over forked worker processes; see {@link Replicas}. */
export class WorkerReplicas implements Replicas {
  private readonly handles: WorkerHandle[];
  private readonly stateIdx: number[];
  private readonly trainableShapes: number[][];
  private readonly stateShapes: number[][];
  private fresh = false;

  private constructor(
    private readonly model: tf.LayersModel,
    handles: WorkerHandle[],
  ) {
    this.handles = handles;
    this.stateIdx = stateWeightIndices(model);
    this.trainableShapes = model.trainableWeights.map((w) => w.shape as number[]);
    this.stateShapes = this.stateIdx.map((i) => model.weights[i].shape as number[]);
  }

  get workers(): number {
    return this.handles.length;
  }

  /** Forks `workers` processes and builds the model in each (from its topology). */
  static async start(
    model: tf.LayersModel,
    spec: InputSpec,
    options: { workers: number; loss: LossName; backend: BackendName },
  ): Promise<WorkerReplicas> {
    const { script, execArgv } = workerEntry();
    const handles = Array.from(
      { length: options.workers },
      (_, i) => new WorkerHandle(i, script, execArgv),
    );
    const topology = model.toJSON(undefined, false) as object;
    const r = new WorkerReplicas(model, handles);
    try {
      const ready = await Promise.all(
        handles.map((h) =>
          h.request({
            type: 'init',
            id: 0,
            topology,
            spec,
            loss: options.loss,
            backend: options.backend,
          }),
        ),
      );
      const want = totalSize(model.weights.map((w) => w.shape as number[]));
      for (const m of ready) {
        if (m.type !== 'ready' || m.weights !== want) {
          throw new ExprsimError(
            'E_WORKER',
            `a training worker built a model with ${m.type === 'ready' ? m.weights : '?'} weights, the main process has ${want}`,
          );
        }
      }
    } catch (e) {
      await r.close();
      throw e;
    }
    return r;
  }

  invalidate(): void {
    this.fresh = false;
  }

  async gradients(keys: readonly string[], margins: Float32Array, augment?: Float32Array) {
    const b = margins.length;
    const weights = getWeightsFlat(this.model);
    const shards = shardRanges(b, this.handles.length);
    const replies = await Promise.all(
      shards.map((s, i) =>
        this.handles[i].request({
          type: 'grad',
          id: 0,
          weights,
          keys: keys.slice(3 * s.start, 3 * s.end),
          margins: margins.slice(s.start, s.end),
          ...(augment !== undefined
            ? { augment: augment.slice(3 * s.start * AUGMENT_PARAMS, 3 * s.end * AUGMENT_PARAMS) }
            : {}),
        }),
      ),
    );
    const grads = new Float32Array(totalSize(this.trainableShapes));
    const state = new Float32Array(totalSize(this.stateShapes));
    let loss = 0;
    replies.forEach((m, i) => {
      if (m.type !== 'grad') throw new ExprsimError('E_WORKER', `unexpected reply ${m.type}`);
      const w = (shards[i].end - shards[i].start) / b;
      loss += w * m.loss;
      for (let j = 0; j < grads.length; j++) grads[j] += w * m.grads[j];
      for (let j = 0; j < state.length; j++) state[j] += w * m.state[j];
    });
    if (this.stateIdx.length > 0) setWeightsAt(this.model, this.stateIdx, state);
    // The caller applies the update next: the workers' copies are stale from here on.
    this.fresh = false;
    return { loss, grads: unflatten(grads, this.trainableShapes) };
  }

  async embed(keys: readonly string[], averageFlip = false): Promise<Float32Array> {
    const weights = this.fresh ? undefined : getWeightsFlat(this.model);
    const shards = shardRanges(keys.length, this.handles.length);
    const replies = await Promise.all(
      shards.map((s, i) =>
        this.handles[i].request({
          type: 'embed',
          id: 0,
          weights,
          keys: keys.slice(s.start, s.end),
          ...(averageFlip ? { averageFlip } : {}),
        }),
      ),
    );
    this.fresh = true;
    const parts = replies.map((m) => {
      if (m.type !== 'embed') throw new ExprsimError('E_WORKER', `unexpected reply ${m.type}`);
      return m.embeddings;
    });
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }
}

/** The worker side of a request: exported for worker.ts. */
export async function handleWorkerRequest(
  state: { model?: tf.LayersModel; source?: TripletInputSource; loss?: LossName },
  msg: WorkerRequest,
): Promise<WorkerReply> {
  const { model, source, loss } = state;
  if (model === undefined || source === undefined || loss === undefined) {
    throw new ExprsimError('E_WORKER', 'worker used before init');
  }
  if (msg.type === 'grad') {
    if (msg.weights) setWeightsFlat(model, msg.weights);
    const x = await loadAugmented(source, msg.keys, msg.augment);
    let r;
    try {
      r = shardGradients(model, x, msg.margins, lossFunction(loss));
    } finally {
      x.dispose();
    }
    const grads = flatten(r.grads);
    tf.dispose(r.grads);
    const state = flatten(stateWeightIndices(model).map((i) => model.weights[i].read()));
    return { type: 'grad', id: msg.id, loss: r.loss, grads, state };
  }
  if (msg.type === 'embed') {
    if (msg.weights) setWeightsFlat(model, msg.weights);
    return {
      type: 'embed',
      id: msg.id,
      embeddings: await embedWith(model, source, msg.keys, msg.averageFlip === true),
    };
  }
  throw new ExprsimError('E_WORKER', `unknown request ${(msg as { type: string }).type}`);
}
