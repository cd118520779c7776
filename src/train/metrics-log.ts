import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/fs.js';
import type { SuiteScore } from './validator.js';

/** One line of `metrics.jsonl`. `step` counts optimiser updates done (1-based). */
export interface StepMetrics {
  kind: 'step';
  step: number;
  /** 1-based epoch the step belongs to. */
  epoch: number;
  loss: number;
  lr: number;
  tripletsPerSec: number;
  /** Training seconds since the run began (summed over resumed sessions). */
  time: number;
}

export interface ValMetrics {
  kind: 'val';
  step: number;
  epoch: number;
  split: string;
  valLoss: number;
  valAccuracy: number;
  valAccuracyByType: Record<string, number>;
  /** With `valSuite`: each set's accuracy and their mean, which chooses the best model. */
  suite?: SuiteScore;
  lr: number;
  time: number;
}

export interface EpochMetrics {
  kind: 'epoch';
  step: number;
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Mean triplets/s over the epoch's steps. */
  tripletsPerSec: number;
  lr: number;
  time: number;
  /** From the validation at the end of the epoch, when there was one. */
  valLoss?: number;
  valAccuracy?: number;
  valAccuracyByType?: Record<string, number>;
}

export type MetricsLine = StepMetrics | ValMetrics | EpochMetrics;

/** Appends metric lines to a JSON Lines file, one synchronous append per line. */
export class MetricsLog {
  constructor(readonly path: string) {}

  append(line: MetricsLine): void {
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
  }

  /**
   * Drops every line after step `step` (and any line cut short by a kill), before a resumed run
   * appends from step + 1: the file then has each step exactly once.
   */
  async truncateAfter(step: number): Promise<void> {
    if (!existsSync(this.path)) return;
    const keep: string[] = [];
    for (const text of readFileSync(this.path, 'utf8').split('\n')) {
      if (text.trim() === '') continue;
      try {
        const m = JSON.parse(text) as MetricsLine;
        if (typeof m.step === 'number' && m.step <= step) keep.push(text);
      } catch {
        // a partial last line from a kill mid-write
      }
    }
    await writeFileAtomic(this.path, keep.length ? `${keep.join('\n')}\n` : '');
  }
}

/** Reads a metrics file (skipping damaged lines). */
export function readMetrics(path: string): MetricsLine[] {
  if (!existsSync(path)) return [];
  const out: MetricsLine[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      out.push(JSON.parse(text) as MetricsLine);
    } catch {
      // skip
    }
  }
  return out;
}
