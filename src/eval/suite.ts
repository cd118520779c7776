/**
 * Evaluation suites: several triplet sets a model is scored on in one run (`exprsim eval
 * --suite`), each from its own domain, so that models are chosen on the mean over domains and
 * never on one set (issue 21). A suite is a JSON or YAML file:
 *
 *   { "name": "dev", "sets": [
 *     { "name": "FER+ one-class", "triplets": "ferplus", "split": "val", "types": ["ONE_CLASS_TRIPLET"] },
 *     { "name": "jaffe-dev photos", "triplets": "jaffe-dev", "split": "test", "detect": "mtcnn" } ] }
 *
 * `triplets` is a triplet dataset folder (relative to the suite file); `detect` embeds the
 * set's images as photos, through that detector and the model's framing of its boxes, as
 * `exprsim embed` does; without it each image is a face crop, embedded whole.
 * scripts/make-dev-suite.sh writes the dev suite from ../shared/data.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ExprsimError } from '../core/errors.js';
import { FEC_TRIPLET_TYPES, type FecTripletType } from '../data/fec-row.js';
import { normalizeSplit, type SplitName } from '../data/labelled.js';
import type { DetectorName } from '../core/face.js';
import { DETECTOR_NAMES, isDetectorName } from '../detect/defaults.js';

export interface SuiteSet {
  /** The name printed for the set. */
  name: string;
  /** The triplet dataset folder, resolved against the suite file's folder. */
  triplets: string;
  split: SplitName;
  /** Only triplets of these types (default all). */
  types?: FecTripletType[];
  /** Embed the images as photos through this detector (default: each image is a face crop). */
  detect?: DetectorName;
  /** Only the first N triplets (after the type filter); 0 or absent = all. */
  limit?: number;
}

export interface EvalSuite {
  name: string;
  /** The suite file. */
  file: string;
  sets: SuiteSet[];
}

const SET_KEYS = ['name', 'triplets', 'split', 'types', 'detect', 'limit'] as const;

function bad(file: string, what: string, fix: string): ExprsimError {
  return new ExprsimError('E_DATA_FORMAT', what, { input: file, fix });
}

function parseSet(file: string, v: unknown, i: number): SuiteSet {
  const at = `sets[${i}]`;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw bad(file, `${at} is not an object`, 'give each set as { name, triplets, split, … }');
  }
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(SET_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw bad(
      file,
      `${at} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      `a set takes ${SET_KEYS.join(', ')}`,
    );
  }
  for (const k of ['name', 'triplets'] as const) {
    if (typeof o[k] !== 'string' || o[k] === '') {
      throw bad(file, `${at}.${k} must be a non-empty string`, `add "${k}" to the set`);
    }
  }
  const split = normalizeSplit(String(o.split ?? ''));
  if (split === undefined) {
    throw bad(file, `${at}.split must be train, val or test`, 'name the split to score');
  }
  const set: SuiteSet = {
    name: o.name as string,
    triplets: resolve(dirname(file), o.triplets as string),
    split,
  };
  if (o.types !== undefined) {
    const types = Array.isArray(o.types) ? o.types : [o.types];
    const wrong = types.filter((t) => !(FEC_TRIPLET_TYPES as readonly unknown[]).includes(t));
    if (types.length === 0 || wrong.length > 0) {
      throw bad(
        file,
        `${at}.types must list triplet types`,
        `use some of ${FEC_TRIPLET_TYPES.join(', ')}`,
      );
    }
    set.types = types as FecTripletType[];
  }
  if (o.detect !== undefined) {
    if (!isDetectorName(o.detect)) {
      throw bad(
        file,
        `${at}.detect: unknown detector "${String(o.detect)}"`,
        `use one of ${DETECTOR_NAMES.join(', ')}`,
      );
    }
    set.detect = o.detect;
  }
  if (o.limit !== undefined) {
    if (!(Number.isInteger(o.limit) && (o.limit as number) >= 0)) {
      throw bad(file, `${at}.limit must be a whole number ≥ 0`, 'leave it out to score all');
    }
    set.limit = o.limit as number;
  }
  return set;
}

/** Parses a suite's text (JSON or YAML); `file` names it in errors and anchors relative paths. */
export function parseSuite(text: string, file: string): EvalSuite {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    throw bad(file, `not JSON or YAML: ${(e as Error).message.split('\n')[0]}`, 'fix the syntax');
  }
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (!Array.isArray(o.sets) || o.sets.length === 0) {
    throw bad(file, 'a suite needs a non-empty "sets" list', 'see scripts/make-dev-suite.sh');
  }
  const sets = o.sets.map((s, i) => parseSet(file, s, i));
  const names = new Set<string>();
  for (const s of sets) {
    if (names.has(s.name)) throw bad(file, `two sets are named "${s.name}"`, 'name each once');
    names.add(s.name);
  }
  return { name: typeof o.name === 'string' ? o.name : 'suite', file, sets };
}

/** Reads and parses a suite file. */
export async function readSuite(file: string): Promise<EvalSuite> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'cannot read the suite file', {
      input: file,
      fix: 'pass a suite file (scripts/make-dev-suite.sh writes one)',
      option: 'suite',
      cause: e,
    });
  }
  return parseSuite(text, resolve(file));
}
