import { statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { ProgressCallback } from '../core/progress.js';
import {
  readFerplusVotes,
  type FerplusFace,
  type FerplusLayout,
  type Tally,
} from './ferplus-votes.js';
import { SPLITS, tally, type SplitName } from './labelled.js';

/** Why a face with valid votes is not used, in the order the checks run. */
export const FERPLUS_LEFT_OUT = ['nf', 'unknown', 'noVotes', 'missingFile'] as const;
export type FerplusLeftOut = (typeof FERPLUS_LEFT_OUT)[number];

export interface FerplusFileSummary {
  file: string;
  layout: FerplusLayout;
  rows: number;
  faces: number;
  skipped: Tally;
  droppedByFerplus: Tally;
}

/** One split's faces: how many the votes list, those left out by reason, the usable ones. */
export interface FerplusSplitFaces {
  faces: number;
  leftOut: Record<FerplusLeftOut, number>;
  usable: FerplusFace[];
}

export interface LoadFerplusFacesOptions {
  /** Vote files, absolute. */
  votes: readonly string[];
  /** Folder the keys are relative to. */
  root: string;
  split?: SplitName;
  imagesDir?: string;
  maxNf: number;
  maxUnknown: number;
  onProgress?: ProgressCallback;
}

export interface FerplusFaces {
  files: FerplusFileSummary[];
  /** Faces with valid votes in all files (before leaving any out). */
  faces: number;
  splits: Record<SplitName, FerplusSplitFaces>;
  /** Left out, by reason: count and the first few (line, image, why). */
  leftOut: Record<FerplusLeftOut, Tally>;
}

/** The deepest folder holding all of `dirs` (absolute). */
export function commonDir(dirs: readonly string[]): string {
  let parts = resolve(dirs[0]).split(sep);
  for (const d of dirs.slice(1)) {
    const q = resolve(d).split(sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}

/** Which of `paths` are files: synchronous stats in batches (see labels-csv.ts's dropMissing). */
async function filesExist(
  paths: readonly string[],
  onProgress?: ProgressCallback,
): Promise<boolean[]> {
  const out = new Array<boolean>(paths.length);
  for (let start = 0; start < paths.length; start += 2000) {
    const end = Math.min(paths.length, start + 2000);
    for (let i = start; i < end; i++)
      out[i] = statSync(paths[i], { throwIfNoEntry: false })?.isFile() ?? false;
    onProgress?.({ done: end, total: paths.length, label: 'check files' });
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/** The reason a face's votes make it unusable, if any (NF first, then unknown, then none). */
export function voteProblem(
  f: Pick<FerplusFace, 'counts' | 'unknown' | 'nf'>,
  limits: { maxNf: number; maxUnknown: number },
): { reason: FerplusLeftOut; why: string } | undefined {
  const votes = (n: number, what: string, max: number) =>
    `${n} "${what}" vote${n === 1 ? '' : 's'} (at most ${max} kept)`;
  if (f.nf > limits.maxNf) return { reason: 'nf', why: votes(f.nf, 'not a face', limits.maxNf) };
  if (f.unknown > limits.maxUnknown)
    return { reason: 'unknown', why: votes(f.unknown, 'unknown', limits.maxUnknown) };
  if (f.counts.every((c) => c === 0)) return { reason: 'noVotes', why: 'no emotion votes' };
  return undefined;
}

/**
 * Reads every vote file (a face listed in two files is a bad row of the second) and sorts the
 * faces into usable ones per split and the left out, by reason: more NF votes than `maxNf`, more
 * unknown than `maxUnknown`, no emotion votes, no image file (stat'ed only for faces whose votes
 * pass). Each face is counted once, under its first reason.
 */
export async function loadFerplusFaces(o: LoadFerplusFacesOptions): Promise<FerplusFaces> {
  const files: FerplusFileSummary[] = [];
  const all: FerplusFace[] = [];
  const seen = new Map<string, string>();
  for (const file of o.votes) {
    o.onProgress?.({ done: files.length, total: o.votes.length, label: 'read votes' });
    const v = await readFerplusVotes(file, {
      root: o.root,
      split: o.split,
      imagesDir: o.imagesDir,
    });
    for (const f of v.faces) {
      const first = seen.get(f.key);
      if (first !== undefined) {
        tally(v.skipped, { line: f.line, item: f.key, reason: `image listed again (in ${first})` });
        continue;
      }
      seen.set(f.key, file);
      all.push(f);
    }
    const { layout, rows, skipped, droppedByFerplus } = v;
    files.push({ file, layout, rows, faces: v.faces.length, skipped, droppedByFerplus });
  }

  const byReason = <T>(make: () => T) =>
    Object.fromEntries(FERPLUS_LEFT_OUT.map((k) => [k, make()])) as Record<FerplusLeftOut, T>;
  const leftOut = byReason<Tally>(() => ({ count: 0, first: [] }));
  const splits = Object.fromEntries(
    SPLITS.map((s): [SplitName, FerplusSplitFaces] => [
      s,
      { faces: 0, leftOut: byReason(() => 0), usable: [] },
    ]),
  ) as Record<SplitName, FerplusSplitFaces>;
  const leave = (f: FerplusFace, reason: FerplusLeftOut, why: string) => {
    splits[f.split].leftOut[reason]++;
    tally(leftOut[reason], { line: f.line, item: f.key, reason: why });
  };
  const voted: FerplusFace[] = [];
  for (const f of all) {
    splits[f.split].faces++;
    const p = voteProblem(f, o);
    if (p === undefined) voted.push(f);
    else leave(f, p.reason, p.why);
  }
  const exists = await filesExist(
    voted.map((f) => join(o.root, f.key)),
    o.onProgress,
  );
  voted.forEach((f, i) => {
    if (exists[i]) splits[f.split].usable.push(f);
    else leave(f, 'missingFile', 'no such file');
  });
  return { files, faces: all.length, splits, leftOut };
}
