import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { OPTIMIZER_NAMES, type OptimizerName } from './defaults.js';

/**
 * The trainer's optimisers, written out here rather than taken from tf.train so that (a) the
 * learning rate is an argument of each update (schedules), (b) the whole state (step count and
 * slot tensors) can be read and restored exactly for checkpoints, and (c) weight decay follows
 * PyTorch's `weight_decay` (L2 added to the gradient, `g + wd · w`) for both optimisers.
 *
 * - `adam` (Kingma & Ba 2015; PyTorch's Adam): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 *   w ← w − lr · m̂ / (√v̂ + ε) with m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t).
 * - `sgd` with momentum (PyTorch's SGD, dampening 0): b ← μ·b + g (b = g at the first step),
 *   w ← w − lr · b; or `nesterov`: w ← w − lr · (g + μ·b).
 */
export { OPTIMIZER_NAMES, type OptimizerName };

export interface OptimizerConfig {
  name: OptimizerName;
  /** L2 weight decay added to the gradient; 0 = none. */
  weightDecay: number;
  /** sgd: momentum μ. */
  momentum: number;
  /** sgd: Nesterov momentum. */
  nesterov: boolean;
  /** adam: β1, β2, ε. */
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The optimiser's state: steps taken and one Float32Array per slot and variable. */
export interface OptimizerState {
  name: OptimizerName;
  step: number;
  /** Slot names, e.g. ['m', 'v'] for adam, ['momentum'] for sgd. */
  slots: string[];
  /** slots × variables, slot-major: values[s * nVars + i]. */
  values: Float32Array[];
}

export class TrainOptimizer {
  readonly config: OptimizerConfig;
  private step = 0;
  private readonly slotNames: string[];
  /** slot name → one variable per model variable (created lazily at the first update). */
  private slots: Map<string, tf.Variable[]> | undefined;

  constructor(config: OptimizerConfig) {
    this.config = config;
    this.slotNames = config.name === 'adam' ? ['m', 'v'] : ['momentum'];
  }

  get steps(): number {
    return this.step;
  }

  private ensureSlots(vars: readonly tf.Variable[]): Map<string, tf.Variable[]> {
    if (this.slots === undefined) {
      this.slots = new Map(
        this.slotNames.map((n) => [
          n,
          vars.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false))),
        ]),
      );
    }
    const first = this.slots.get(this.slotNames[0]) as tf.Variable[];
    if (first.length !== vars.length) {
      throw new ExprsimError(
        'E_CHECKPOINT',
        `optimizer state has ${first.length} variables, the model ${vars.length}`,
      );
    }
    return this.slots;
  }

  /**
   * One update of `vars` with `grads` (same order and shapes) at learning rate `lr`, times
   * `lrScales[i]` for variable i when given (e.g. a faster tail).
   */
  apply(
    vars: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    lr: number,
    lrScales?: readonly number[],
  ): void {
    if (
      vars.length !== grads.length ||
      (lrScales !== undefined && lrScales.length !== vars.length)
    ) {
      throw new Error(
        `optimizer: ${vars.length} variables but ${grads.length} gradients, ${lrScales?.length ?? '-'} scales`,
      );
    }
    const slots = this.ensureSlots(vars);
    const c = this.config;
    const t = ++this.step;
    tf.tidy(() => {
      for (let i = 0; i < vars.length; i++) {
        const w = vars[i];
        let g = grads[i];
        const rate = lr * (lrScales?.[i] ?? 1);
        if (c.weightDecay > 0) g = tf.add(g, tf.mul(w, c.weightDecay));
        if (c.name === 'adam') {
          const m = (slots.get('m') as tf.Variable[])[i];
          const v = (slots.get('v') as tf.Variable[])[i];
          const m1 = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
          const v1 = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
          m.assign(m1);
          v.assign(v1);
          const stepSize = rate / (1 - Math.pow(c.beta1, t));
          const denom = tf.add(tf.sqrt(tf.div(v1, 1 - Math.pow(c.beta2, t))), c.epsilon);
          w.assign(tf.sub(w, tf.mul(tf.div(m1, denom), stepSize)));
        } else {
          const b = (slots.get('momentum') as tf.Variable[])[i];
          let update = g;
          if (c.momentum > 0) {
            const b1 = t === 1 ? g : tf.add(tf.mul(b, c.momentum), g);
            b.assign(b1);
            update = c.nesterov ? tf.add(g, tf.mul(b1, c.momentum)) : b1;
          }
          w.assign(tf.sub(w, tf.mul(update, rate)));
        }
      }
    });
  }

  /** A copy of the state, for checkpoints. Before the first update: step 0 and no values. */
  getState(): OptimizerState {
    const values: Float32Array[] = [];
    if (this.slots !== undefined) {
      for (const n of this.slotNames)
        for (const v of this.slots.get(n) as tf.Variable[])
          values.push(new Float32Array(v.dataSync() as Float32Array));
    }
    return { name: this.config.name, step: this.step, slots: [...this.slotNames], values };
  }

  /** Restores a state from getState, for the variables `vars` (shapes checked). */
  setState(state: OptimizerState, vars: readonly tf.Variable[]): void {
    if (state.name !== this.config.name || state.slots.join() !== this.slotNames.join()) {
      throw new ExprsimError(
        'E_CHECKPOINT',
        `checkpoint holds ${state.name} state, the run uses ${this.config.name}`,
        { fix: 'resume with the optimizer the run was started with' },
      );
    }
    this.step = state.step;
    if (state.values.length === 0) return;
    if (state.values.length !== this.slotNames.length * vars.length) {
      throw new ExprsimError(
        'E_CHECKPOINT',
        `checkpoint holds ${state.values.length} optimizer tensors, expected ${this.slotNames.length * vars.length}`,
      );
    }
    const slots = this.ensureSlots(vars);
    this.slotNames.forEach((n, s) => {
      (slots.get(n) as tf.Variable[]).forEach((v, i) => {
        const data = state.values[s * vars.length + i];
        if (data.length !== v.size) {
          throw new ExprsimError(
            'E_CHECKPOINT',
            `optimizer slot ${n} of variable ${i} has ${data.length} values, expected ${v.size}`,
          );
        }
        const t = tf.tensor(data, v.shape, 'float32');
        v.assign(t);
        t.dispose();
      });
    });
  }

  dispose(): void {
    if (this.slots) for (const vs of this.slots.values()) for (const v of vs) v.dispose();
    this.slots = undefined;
  }
}
