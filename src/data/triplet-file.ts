import { ExprsimError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { FEC_TRIPLET_TYPES, type FecTripletType } from './fec-row.js';
import { readLines } from './line-reader.js';

/**
 * exprsim's one triplet format, for FEC and for triplets made from labels alike, so training and
 * evaluation never care where triplets came from. A triplet file is JSON Lines, one triplet per
 * line:
 *
 *   {"a":"images/Training/happy/Training_1.jpg","p":"…","n":"…","type":"TWO_CLASS_TRIPLET","agreement":1,"source":"fer2013"}
 *
 * - `a`, `p`, `n`: image keys of the anchor, the positive and the negative (the odd one out):
 *   paths relative to the source's root, forward slashes (labelled sets: the image paths; FEC:
 *   the crop files the downloader wrote, `crops/<xx>/<id>.jpg`). The dataset manifest beside the
 *   file maps `source` to its root (see dataset-manifest.ts).
 * - `type`: the FEC triplet type; label-made triplets are TWO_CLASS_TRIPLET.
 * - `agreement`: the fraction of raters agreeing with the odd one out (1 for label-made triplets).
 * - `source`: the source's name in the manifest.
 * - optional `raters` (FEC: how many raters voted).
 */
export interface TripletRow {
  a: string;
  p: string;
  n: string;
  type: FecTripletType;
  agreement: number;
  source: string;
  raters?: number;
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

/** Validates one parsed line; returns the reason it is bad, or undefined. */
export function tripletProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  for (const k of ['a', 'p', 'n', 'source'] as const)
    if (!nonEmpty(r[k])) return `"${k}" must be a non-empty string`;
  if (r.a === r.p || r.a === r.n || r.p === r.n) return 'a, p and n must be three different images';
  if (!(FEC_TRIPLET_TYPES as readonly unknown[]).includes(r.type))
    return `"type" must be one of ${FEC_TRIPLET_TYPES.join(', ')}`;
  if (typeof r.agreement !== 'number' || !(r.agreement >= 0 && r.agreement <= 1))
    return '"agreement" must be a number from 0 to 1';
  if (r.raters !== undefined && !(Number.isInteger(r.raters) && (r.raters as number) > 0))
    return '"raters" must be a positive integer';
  return undefined;
}

/** One triplet as a line of JSON, fields in a fixed order (files diff cleanly between runs). */
export function formatTriplet(t: TripletRow): string {
  const o: TripletRow = {
    a: t.a,
    p: t.p,
    n: t.n,
    type: t.type,
    agreement: t.agreement,
    source: t.source,
  };
  if (t.raters !== undefined) o.raters = t.raters;
  return JSON.stringify(o);
}

/** Writes a triplet file atomically: readers never see a half-written one. */
export async function writeTripletFile(path: string, rows: readonly TripletRow[]): Promise<void> {
  await writeFileAtomic(path, rows.length === 0 ? '' : `${rows.map(formatTriplet).join('\n')}\n`);
}

/**
 * Reads a triplet file, streaming. Any bad line is an E_DATA_FORMAT error naming its line: these
 * files are written by exprsim, so damage means the file is not what the caller thinks it is.
 */
export async function readTripletFile(path: string): Promise<TripletRow[]> {
  const rows: TripletRow[] = [];
  for await (const { line, text } of readLines(path, 'triplet file')) {
    if (text.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new ExprsimError('E_DATA_FORMAT', `line ${line} is not JSON`, {
        input: path,
        fix: 'pass a triplet file written by exprsim (JSON Lines)',
      });
    }
    const problem = tripletProblem(v);
    if (problem !== undefined) {
      throw new ExprsimError('E_DATA_FORMAT', `line ${line}: ${problem}`, {
        input: path,
        fix: 'pass a triplet file written by exprsim (see src/data/README.md)',
      });
    }
    rows.push(v as TripletRow);
  }
  return rows;
}
