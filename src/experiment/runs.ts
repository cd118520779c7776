import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';

/** A point of a curve: x is the step. */
export interface Point {
  x: number;
  y: number;
}

/**
 * What a report reads from one training run folder (`exprsim train --out DIR`):
 * - config.json: the resolved training config (head, preset, input, optimiser, …);
 * - metrics.jsonl: step, val and epoch records (src/train/metrics-log.ts);
 * - eval-<split>.json: `exprsim eval --json` output saved there (the experiment runner writes
 *   eval-test.json), for test accuracy with its interval and per triplet type;
 * - run.json (optional, written by `exprsim experiment`): the run's plan entry (group names,
 *   detector/preprocessing label, seed).
 * Numbers are copied, never recomputed, so the table equals metrics.jsonl (tested).
 */

export interface RunInfo {
  name: string;
  dir: string;
  head: string;
  preset?: string;
  tail?: string;
  /** The input: a feature cache's folder name (its backbone), or pixels HxWxC. */
  input: string;
  /** Detector / preprocessing label from run.json, if any. */
  detector?: string;
  /** Share of images whose face that detector found (run.json), for detection-vs-accuracy. */
  detectionRate?: number;
  groups: string[];
  headConfig: Record<string, unknown>;
  steps: number;
  /** Median training throughput over the step records. */
  tripletsPerSec?: number;
  /**
   * The best validation: the suite's mean over its sets when the run validated on a suite
   * (`train --val-suite`, which picks its best checkpoint on that mean), else the val split.
   */
  bestVal?: { accuracy: number; step: number };
  /** What `bestVal` and the validation curve measure. */
  valMeasure: 'suite mean' | 'val split';
  test?: EvalSummary;
  curves: { loss: Point[]; valAccuracy: Point[]; valLoss: Point[] };
}

export interface EvalSummary {
  accuracy: number;
  low: number;
  high: number;
  triplets: number;
  byType: Record<string, number>;
}

interface MetricRecord {
  kind: string;
  step: number;
  loss?: number;
  tripletsPerSec?: number;
  valAccuracy?: number;
  valLoss?: number;
  suite?: { mean?: number };
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    throw new ExprsimError(
      'E_DATA_FORMAT',
      `cannot read ${basename(path)}: ${(e as Error).message}`,
      {
        input: path,
        fix: 'pass folders written by `exprsim train` (config.json, metrics.jsonl)',
      },
    );
  }
}

/** Test-split accuracy from an EvalResult JSON (src/eval/evaluate.ts). */
export function evalSummary(value: unknown, source: string): EvalSummary {
  const v = value as {
    triplets?: number;
    tripletAccuracy?: {
      accuracy?: number;
      ci?: [number, number];
      byType?: Record<string, { accuracy?: number }>;
    };
  };
  const t = v.tripletAccuracy;
  if (typeof t?.accuracy !== 'number' || !Array.isArray(t.ci) || t.ci.length !== 2) {
    throw new ExprsimError('E_DATA_FORMAT', 'not an evaluation result (evaluateModel)', {
      input: source,
      fix: "save the run's evaluation (`exprsim eval` with `json` output) as RUN/eval-test.json",
    });
  }
  const byType: Record<string, number> = {};
  for (const [k, r] of Object.entries(t.byType ?? {})) {
    if (typeof r.accuracy === 'number') byType[k] = r.accuracy;
  }
  return {
    accuracy: t.accuracy,
    low: t.ci[0],
    high: t.ci[1],
    triplets: v.triplets ?? 0,
    byType,
  };
}

/** Reads one run folder (see the file comment). */
export async function loadRun(dir: string): Promise<RunInfo> {
  const abs = resolve(dir);
  const config = (await readJson(join(abs, 'config.json'))) as {
    head?: { name?: string; config?: Record<string, unknown> };
    input?: { kind?: string; cache?: string; shape?: number[] };
  };
  if (typeof config.head?.name !== 'string') {
    throw new ExprsimError('E_DATA_FORMAT', 'config.json names no head', {
      input: join(abs, 'config.json'),
      fix: 'pass folders written by `exprsim train`',
    });
  }
  const metricsPath = join(abs, 'metrics.jsonl');
  const lines = existsSync(metricsPath)
    ? (await readFile(metricsPath, 'utf8')).split('\n').filter((l) => l.trim() !== '')
    : [];
  const records: MetricRecord[] = [];
  lines.forEach((l, i) => {
    try {
      records.push(JSON.parse(l) as MetricRecord);
    } catch {
      // A run killed mid-write can leave a torn last line; anything else is corrupt.
      if (i !== lines.length - 1) {
        throw new ExprsimError('E_DATA_FORMAT', `metrics.jsonl line ${i + 1} is not JSON`, {
          input: metricsPath,
        });
      }
    }
  });
  const steps = records.filter((r) => r.kind === 'step');
  const onSuite = records.some((r) => r.kind === 'val' && typeof r.suite?.mean === 'number');
  const score = (r: MetricRecord) => (onSuite ? r.suite?.mean : r.valAccuracy);
  const vals = records.filter((r) => r.kind === 'val' && typeof score(r) === 'number');
  let bestVal: RunInfo['bestVal'];
  for (const r of vals) {
    if (bestVal === undefined || (score(r) as number) > bestVal.accuracy) {
      bestVal = { accuracy: score(r) as number, step: r.step };
    }
  }
  const meta = existsSync(join(abs, 'run.json'))
    ? ((await readJson(join(abs, 'run.json'))) as {
        groups?: string[];
        detector?: string;
        detectionRate?: number;
        name?: string;
      })
    : {};
  const testPath = join(abs, 'eval-test.json');
  const headConfig = config.head.config ?? {};
  const input =
    config.input?.kind === 'features' && typeof config.input.cache === 'string'
      ? basename(config.input.cache)
      : config.input?.kind === 'pixels' && Array.isArray(config.input.shape)
        ? `pixels ${config.input.shape.join('x')}`
        : String(config.input?.kind ?? '?');
  return {
    name: meta.name ?? basename(abs),
    dir: abs,
    head: config.head.name,
    preset: typeof headConfig.preset === 'string' ? headConfig.preset : undefined,
    tail:
      typeof headConfig.tail === 'string' && headConfig.tail !== 'none'
        ? headConfig.tail
        : undefined,
    input,
    detector: meta.detector,
    detectionRate: typeof meta.detectionRate === 'number' ? meta.detectionRate : undefined,
    groups: meta.groups ?? [],
    headConfig,
    steps: steps.length > 0 ? Math.max(...steps.map((r) => r.step)) : 0,
    tripletsPerSec: median(
      steps.map((r) => r.tripletsPerSec).filter((v): v is number => typeof v === 'number'),
    ),
    bestVal,
    valMeasure: onSuite ? 'suite mean' : 'val split',
    test: existsSync(testPath) ? evalSummary(await readJson(testPath), testPath) : undefined,
    curves: {
      loss: steps
        .filter((r) => typeof r.loss === 'number')
        .map((r) => ({ x: r.step, y: r.loss as number })),
      valAccuracy: vals.map((r) => ({ x: r.step, y: score(r) as number })),
      valLoss: vals
        .filter((r) => typeof r.valLoss === 'number')
        .map((r) => ({ x: r.step, y: r.valLoss as number })),
    },
  };
}

/** A centred moving average (window clipped at the ends), for noisy per-step loss curves. */
export function movingAverage(points: Point[], window: number): Point[] {
  if (window <= 1) return points;
  const half = Math.floor(window / 2);
  const prefix = [0];
  for (const p of points) prefix.push(prefix[prefix.length - 1] + p.y);
  return points.map((p, i) => {
    const a = Math.max(0, i - half);
    const b = Math.min(points.length, i + half + 1);
    return { x: p.x, y: (prefix[b] - prefix[a]) / (b - a) };
  });
}
