import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { ProgressEvent } from '../core/progress.js';
import { getEngineInfo, initEngine } from '../engine/backend.js';
import { openModelEmbedder } from '../embed/embedders.js';
import {
  evaluateEmbedder,
  loadEvalData,
  type EvalData,
  type EvalEmbeddings,
} from '../eval/evaluate.js';
import { augmentsAnything, resolveAugment, type AugmentConfig } from '../train/augment.js';
import { train, type TrainResult } from '../train/trainer.js';
import { RESUME_OPTIONS } from '../train/defaults.js';
import { writeFileAtomic } from '../core/fs.js';
import { CACHE_MANIFEST } from '../features/cache.js';
import { sampleIndices, writeEmbeddingsFile } from './embeddings-file.js';
import type { ExperimentPlan, PlanRun } from './plan.js';

/**
 * `exprsim experiment PLAN`: trains and evaluates every run of a plan (plan.ts), one after the
 * other, each in `<out>/<name>/`:
 *
 * 1. `eval-<split>.json` exists → the run is finished and skipped (its run.json is refreshed, so
 *    edited groups reach the report).
 * 2. Else train: a new run, or — when the folder holds a config.json or a checkpoint — resume it
 *    (train() `resume`; the plan's steps, epochs, workers and patience apply). A run whose last
 *    checkpoint says it completed or stopped early is not trained again.
 * 3. Evaluate `best/` on the plan's split (the feature cache for feature inputs), write
 *    `embeddings-<split>.json` (a seeded sample of the split's labelled images, for the report's
 *    map), then `eval-<split>.json` (the EvalResult; written last and atomically: it marks the
 *    run finished), and `run.json` (name, plan, groups, detector, detectionRate, status; the
 *    last two from the plan's input, else from the feature cache's features.json).
 *
 * A run that fails is recorded (run.json: status "failed", error) and the next one starts. When
 * `signal` aborts (Ctrl-C), the trainer finishes its step and checkpoints, the run is recorded as
 * "interrupted" and no further run starts; running the plan again resumes it. The report over
 * the plan's run folders is report/'s job (`runExperimentWithReport`).
 */

export type RunOutcomeStatus =
  'skipped' | 'completed' | 'early-stopped' | 'failed' | 'interrupted' | 'not-run';

export interface RunOutcome {
  name: string;
  dir: string;
  status: RunOutcomeStatus;
  /** Test (eval split) triplet accuracy, for finished runs. */
  accuracy?: number;
  error?: string;
  seconds: number;
}

export type ExperimentEvent =
  | {
      kind: 'run';
      run: string;
      index: number;
      total: number;
      action: 'skip' | 'train' | 'resume' | 'evaluate';
    }
  | { kind: 'progress'; run: string; progress: ProgressEvent }
  | { kind: 'eval'; run: string }
  | { kind: 'done'; run: string; outcome: RunOutcome };

export interface ExperimentOptions {
  /** Only these runs: run names or group names of the plan (E_UNKNOWN_NAME otherwise). */
  only?: readonly string[];
  /** Stop after checkpointing the current run (Ctrl-C). */
  signal?: AbortSignal;
  onProgress?: (event: ExperimentEvent) => void;
  /** For the models' provenance; default `exprsim experiment <plan file>`. */
  command?: string;
}

export interface ExperimentResult {
  plan: string;
  runs: RunOutcome[];
  /** Stopped by the signal before every run was done. */
  interrupted: boolean;
}

/** What a dry run shows of a run folder. */
export type RunFolderState =
  | { state: 'finished'; accuracy?: number }
  | { state: 'partial'; step: number }
  | { state: 'failed'; error: string }
  | { state: 'new' };

const evalFile = (plan: ExperimentPlan, run: PlanRun) =>
  join(run.dir, `eval-${plan.evalSplit}.json`);
const embeddingsFile = (plan: ExperimentPlan, run: PlanRun) =>
  join(run.dir, `embeddings-${plan.evalSplit}.json`);

async function readJsonIfAny(path: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The latest checkpoint's step and stop mark, read without loading weights. */
async function checkpointState(
  dir: string,
): Promise<{ step: number; stopped?: string } | undefined> {
  const pointer = await readJsonIfAny(join(dir, 'checkpoint.json'));
  if (typeof pointer?.dir !== 'string') return undefined;
  const state = await readJsonIfAny(join(dir, pointer.dir, 'state.json'));
  if (typeof state?.step !== 'number') return undefined;
  const progress = state.progress as { stopped?: string } | undefined;
  return { step: state.step, stopped: progress?.stopped };
}

/** Where a run of the plan stands (finished, partly trained, failed, not started). */
export async function runFolderState(plan: ExperimentPlan, run: PlanRun): Promise<RunFolderState> {
  const ev = await readJsonIfAny(evalFile(plan, run));
  if (ev !== undefined) {
    const acc = (ev.tripletAccuracy as { accuracy?: number } | undefined)?.accuracy;
    return { state: 'finished', accuracy: typeof acc === 'number' ? acc : undefined };
  }
  const meta = await readJsonIfAny(join(run.dir, 'run.json'));
  if (meta?.status === 'failed') return { state: 'failed', error: String(meta.error ?? '') };
  const ck = await checkpointState(run.dir);
  if (ck !== undefined) return { state: 'partial', step: ck.step };
  if (existsSync(join(run.dir, 'config.json'))) return { state: 'partial', step: 0 };
  return { state: 'new' };
}

/** The runs `only` selects (run or group names), in plan order. */
export function selectRuns(plan: ExperimentPlan, only?: readonly string[]): PlanRun[] {
  if (only === undefined || only.length === 0) return plan.runs;
  const names = new Set<string>();
  for (const n of only) {
    if (plan.runs.some((r) => r.name === n)) names.add(n);
    else if (plan.groups[n] !== undefined) {
      for (const r of plan.runs) if (r.groups.includes(n)) names.add(r.name);
    } else {
      const valid = [...Object.keys(plan.groups), ...plan.runs.map((r) => r.name)];
      throw new ExprsimError('E_UNKNOWN_NAME', `the plan has no run or group "${n}"`, {
        input: n,
        fix: `use ${valid.slice(0, 12).join(', ')}${valid.length > 12 ? `, … (${valid.length} in all; a dry run lists them)` : ''}`,
        option: 'only',
      });
    }
  }
  return plan.runs.filter((r) => names.has(r.name));
}

/**
 * The detector and detection rate a feature cache recorded (`features.json`: `detector.name`,
 * `detection.rate`), for inputs whose plan entry does not give them. Nothing for other inputs.
 */
export function cacheDetection(input: PlanRun['input']): {
  detector?: string;
  detectionRate?: number;
} {
  if (input.spec.kind !== 'features') return {};
  try {
    const m = JSON.parse(readFileSync(join(input.spec.cache, CACHE_MANIFEST), 'utf8')) as {
      detector?: { name?: unknown };
      detection?: { rate?: unknown };
    };
    return {
      ...(typeof m.detector?.name === 'string' ? { detector: m.detector.name } : {}),
      ...(typeof m.detection?.rate === 'number' ? { detectionRate: m.detection.rate } : {}),
    };
  } catch {
    return {}; // training reports a missing or damaged cache with its own error
  }
}

function runMeta(plan: ExperimentPlan, run: PlanRun, status: string, error?: unknown) {
  const recorded = cacheDetection(run.input);
  const detector = run.input.detector ?? recorded.detector;
  const detectionRate = run.input.detectionRate ?? recorded.detectionRate;
  return {
    name: run.name,
    plan: plan.name,
    groups: run.groups,
    head: run.head,
    preset: run.preset,
    ...(run.variant !== undefined ? { variant: run.variant } : {}),
    input: run.input.name,
    ...(detector !== undefined ? { detector } : {}),
    ...(detectionRate !== undefined ? { detectionRate } : {}),
    seed: run.seed,
    status,
    ...(error !== undefined
      ? {
          error: error instanceof Error ? error.message : String(error),
          ...(isExprsimError(error) ? { code: error.code, fix: error.fix } : {}),
        }
      : {}),
    updated: new Date().toISOString(),
  };
}

async function writeRunMeta(
  plan: ExperimentPlan,
  run: PlanRun,
  status: string,
  error?: unknown,
): Promise<void> {
  await writeFileAtomic(
    join(run.dir, 'run.json'),
    `${JSON.stringify(runMeta(plan, run, status, error), null, 2)}\n`,
  );
}

/** An augmentation config as a run compares it: null when it changes nothing (or is invalid). */
function resolveAugmentOrNone(v: unknown): AugmentConfig | null {
  try {
    const a = resolveAugment(v as { flip?: unknown; shift?: unknown } | undefined);
    return augmentsAnything(a) ? a : null;
  } catch {
    return null;
  }
}

/** The fields of an existing config.json that must match the plan for the folder to be resumed. */
async function checkSameRun(run: PlanRun): Promise<void> {
  const config = await readJsonIfAny(join(run.dir, 'config.json'));
  if (config === undefined) return;
  const head = config.head as { name?: string; config?: { preset?: string } } | undefined;
  const input = config.input as
    { kind?: string; cache?: string; mirror?: string; shape?: number[] } | undefined;
  const want = run.input.spec;
  const differences: string[] = [];
  if (head?.name !== run.head) differences.push(`head ${head?.name} (plan: ${run.head})`);
  if (head?.config?.preset !== undefined && head.config.preset !== run.preset) {
    differences.push(`preset ${head.config.preset} (plan: ${run.preset})`);
  }
  const inputOf = (i: typeof input) =>
    i?.kind === 'features'
      ? `features ${i.cache}${i.mirror !== undefined ? ` mirror ${i.mirror}` : ''}`
      : `${i?.kind} ${i?.shape?.join('x')}`;
  const planInput =
    want.kind === 'features'
      ? `features ${resolve(want.cache)}${want.mirror !== undefined ? ` mirror ${resolve(want.mirror)}` : ''}`
      : `${want.kind} ${want.shape.join('x')}`;
  if (inputOf(input) !== planInput)
    differences.push(`input ${inputOf(input)} (plan: ${planInput})`);
  if (config.seed !== run.seed) differences.push(`seed ${String(config.seed)} (plan: ${run.seed})`);
  if (config.triplets !== run.options.triplets) {
    differences.push(`triplets ${String(config.triplets)} (plan: ${run.options.triplets})`);
  }
  // Augmentation and flip averaging change what the run learns and how it is scored.
  const flags = (c: { augment?: unknown; averageFlip?: unknown }) =>
    JSON.stringify({
      augment: resolveAugmentOrNone(c.augment),
      averageFlip: c.averageFlip === true,
    });
  if (flags(config) !== flags(run.options)) {
    differences.push(`augmentation/flip averaging ${flags(config)} (plan: ${flags(run.options)})`);
  }
  if (differences.length > 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `the folder holds a run with other settings: ${differences.join(', ')}`,
      {
        input: run.dir,
        fix: 'delete or move the folder to train the planned run, or change the plan back',
      },
    );
  }
}

/** Trains a run (new or resumed); returns the trainer's result, or undefined when it was done. */
async function trainRun(
  run: PlanRun,
  options: ExperimentOptions,
  command: string,
  emit: (e: ExperimentEvent) => void,
  index: number,
  total: number,
): Promise<TrainResult | undefined> {
  const resume =
    existsSync(join(run.dir, 'config.json')) || existsSync(join(run.dir, 'checkpoint.json'));
  if (resume) {
    await checkSameRun(run);
    const ck = await checkpointState(run.dir);
    if (
      (ck?.stopped === 'completed' || ck?.stopped === 'early-stopped') &&
      existsSync(join(run.dir, 'best'))
    ) {
      emit({ kind: 'run', run: run.name, index, total, action: 'evaluate' });
      return undefined; // trained; only the evaluation is missing
    }
  }
  emit({ kind: 'run', run: run.name, index, total, action: resume ? 'resume' : 'train' });
  return train({
    out: run.dir,
    resume,
    // A resumed run takes the plan's steps, epochs, workers and patience; the rest is its own.
    options: resume
      ? Object.fromEntries(RESUME_OPTIONS.map((k) => [k, run.options[k]]))
      : run.options,
    signal: options.signal,
    onProgress: (progress) => emit({ kind: 'progress', run: run.name, progress }),
    command,
  });
}

/** Evaluates a run's best model; writes embeddings-<split>.json and eval-<split>.json. */
async function evaluateRun(
  plan: ExperimentPlan,
  run: PlanRun,
  data: EvalData,
  emit: (e: ExperimentEvent) => void,
): Promise<number> {
  emit({ kind: 'eval', run: run.name });
  const best = join(run.dir, 'best');
  if (!existsSync(best)) {
    throw new ExprsimError('E_NO_MODEL', 'training left no best model', {
      input: best,
      fix: 'check the run’s metrics.jsonl; delete the folder to train it again',
    });
  }
  const spec = run.input.spec;
  const embedder = await openModelEmbedder(best, {
    features: spec.kind === 'features' ? spec.cache : undefined,
    mirrorFeatures: spec.kind === 'features' ? spec.mirror : undefined,
    name: run.name,
  });
  let captured: EvalEmbeddings | undefined;
  let result;
  try {
    result = await evaluateEmbedder(embedder, data, {
      onProgress: (progress) => emit({ kind: 'progress', run: run.name, progress }),
      onEmbeddings: (e) => {
        captured = e;
      },
    });
  } finally {
    embedder.dispose();
  }
  const labelled = captured?.labelled;
  if (
    plan.mapImages > 0 &&
    captured !== undefined &&
    labelled !== undefined &&
    labelled.length > 1
  ) {
    const { data: emb, dim } = captured;
    const keep = sampleIndices(labelled.length, plan.mapImages, 1).map((i) => labelled[i]);
    await writeEmbeddingsFile(embeddingsFile(plan, run), {
      split: plan.evalSplit,
      dim,
      labelledImages: labelled.length,
      seed: 1,
      labels: keep.map((im) => im.label),
      keys: keep.map((im) => `${im.source}/${im.key}`),
      vectors: keep.map((im) => Array.from(emb.subarray(im.row * dim, (im.row + 1) * dim))),
    });
  }
  await writeFileAtomic(evalFile(plan, run), `${JSON.stringify(result, null, 2)}\n`);
  return result.tripletAccuracy.accuracy;
}

/** Runs a plan (see the file comment). */
export async function runExperiment(
  plan: ExperimentPlan,
  options: ExperimentOptions = {},
): Promise<ExperimentResult> {
  const selected = selectRuns(plan, options.only);
  const emit = (e: ExperimentEvent) => options.onProgress?.(e);
  const command = options.command ?? `exprsim experiment ${plan.source ?? plan.name}`;
  const outcomes: RunOutcome[] = [];
  let evalData: EvalData | undefined;
  let interrupted = false;

  for (const [i, run] of selected.entries()) {
    const started = performance.now();
    const done = (status: RunOutcomeStatus, extra: Partial<RunOutcome> = {}) => {
      const outcome: RunOutcome = {
        name: run.name,
        dir: run.dir,
        status,
        seconds: (performance.now() - started) / 1000,
        ...extra,
      };
      outcomes.push(outcome);
      emit({ kind: 'done', run: run.name, outcome });
    };
    if (options.signal?.aborted) {
      interrupted = true;
      done('not-run');
      continue;
    }
    const state = await runFolderState(plan, run);
    if (state.state === 'finished') {
      emit({ kind: 'run', run: run.name, index: i, total: selected.length, action: 'skip' });
      await writeRunMeta(plan, run, 'completed');
      done('skipped', { accuracy: state.accuracy });
      continue;
    }
    try {
      await writeRunMeta(plan, run, 'running');
      const r = await trainRun(run, options, command, emit, i, selected.length);
      if (r?.status === 'interrupted') {
        await writeRunMeta(plan, run, 'interrupted');
        interrupted = true;
        done('interrupted');
        continue;
      }
      if (getEngineInfo() === undefined) await initEngine();
      evalData ??= await loadEvalData(plan.triplets, {
        split: plan.evalSplit,
        limit: plan.evalLimit > 0 ? plan.evalLimit : undefined,
      });
      const accuracy = await evaluateRun(plan, run, evalData, emit);
      await writeRunMeta(plan, run, 'completed');
      done(r?.status === 'early-stopped' ? 'early-stopped' : 'completed', { accuracy });
    } catch (e) {
      logger.info(`run ${run.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      await writeRunMeta(plan, run, 'failed', e).catch(() => undefined);
      done('failed', { error: isExprsimError(e) ? e.toLine() : String((e as Error).message ?? e) });
    }
  }

  return { plan: plan.name, runs: outcomes, interrupted };
}
