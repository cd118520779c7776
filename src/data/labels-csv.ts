import { statSync } from 'node:fs';
import { dirname, isAbsolute, posix, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import type { ProgressCallback } from '../core/progress.js';
import { splitCsvLine } from './csv-line.js';
import { normalizeSplit, tally, type LabelledDataset, type LabelledImage } from './labelled.js';
import { emptyFileError, preview, readLines } from './line-reader.js';

/** Header names accepted for each column (case-insensitive). `usage` is FER2013's name for split. */
const COLUMN_NAMES: Record<string, 'path' | 'label' | 'split' | 'subject'> = {
  path: 'path',
  label: 'label',
  split: 'split',
  usage: 'split',
  subject: 'subject',
};

export const LABELS_CSV_COLUMNS = 'path,label[,split|usage][,subject]';

export interface LoadLabelsOptions {
  /** Check that every listed image exists (stat). Default true. */
  checkFiles?: boolean;
  /** Throw E_DATA_MISSING_FILES if any listed image is missing, instead of dropping and counting. */
  requireFiles?: boolean;
  onProgress?: ProgressCallback;
}

/** A path as a triplet key: forward slashes, no leading "./". */
export function toKey(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

/**
 * Why an image key leads outside the dataset folder (an absolute path, a drive, `..` out of
 * it), or undefined when it stays inside. Keys are written into triplet files and resolved
 * against the source's root, so one that escapes it would make training read any file.
 */
export function outsideRootReason(key: string): string | undefined {
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key) || isAbsolute(key)) return 'an absolute path';
  const n = posix.normalize(key);
  if (n === '..' || n.startsWith('../')) return 'a path leading out of the folder (..)';
  return undefined;
}

/**
 * Loads a labels CSV: a header naming the columns (`path,label[,split][,subject]`, any order,
 * `usage` accepted for `split`; other columns, such as CK+'s `sequence,frame`, are ignored and
 * named once in a warning and in `ignoredColumns`), then one image per line with its path
 * relative to the CSV's directory and inside it: an absolute path or one leading out with `..`
 * fails the load (E_OUTSIDE_ROOT naming the line). Rows with the wrong number of fields, an
 * empty path or label, an unknown split name or a path listed twice are skipped and counted with
 * their line numbers; so are listed files that do not exist (or, with `requireFiles`, they fail
 * the load), because a dataset silently shrinking is worse than a loud one. A file none of whose
 * rows is usable fails too (E_DATA_FORMAT, or E_DATA_MISSING_FILES when no listed image exists).
 */
export async function loadLabelsCsv(
  path: string,
  options: LoadLabelsOptions = {},
): Promise<LabelledDataset> {
  const root = resolve(dirname(path));
  const ds: LabelledDataset = {
    kind: 'labels-csv',
    input: path,
    root,
    images: [],
    skipped: { count: 0, first: [] },
    missing: { count: 0, first: [] },
    hasSplits: false,
    hasSubjects: false,
  };
  let columns: HeaderColumns | undefined;
  let width = 0;
  const seen = new Map<string, number>();
  for await (const { line, text } of readLines(path, 'labels CSV')) {
    if (text.trim() === '') continue;
    const split = splitCsvLine(text);
    if (!split.ok) {
      if (columns === undefined) throw headerError(path, split.reason);
      tally(ds.skipped, { line, item: text.slice(0, 80), reason: split.reason });
      continue;
    }
    const f = split.fields;
    if (columns === undefined) {
      columns = parseHeader(path, f);
      width = f.length;
      if (columns.ignored.length > 0) {
        ds.ignoredColumns = columns.ignored;
        logger.warn(
          `${path}: ignoring column${columns.ignored.length > 1 ? 's' : ''} ${columns.ignored.map((c) => JSON.stringify(c)).join(', ')} (exprsim reads ${LABELS_CSV_COLUMNS})`,
        );
      }
      ds.hasSplits = columns.split !== undefined;
      ds.hasSubjects = columns.subject !== undefined;
      continue;
    }
    if (f.length !== width) {
      tally(ds.skipped, {
        line,
        item: text.slice(0, 80),
        reason: `has ${f.length} fields, the header has ${width}`,
      });
      continue;
    }
    const key = toKey(f[columns.path]);
    const label = f[columns.label];
    if (key === '') {
      tally(ds.skipped, { line, item: text.slice(0, 80), reason: 'empty path' });
      continue;
    }
    const outside = outsideRootReason(key);
    if (outside !== undefined) throw outsideRootError(path, root, line, key, outside);
    if (label === '') {
      tally(ds.skipped, { line, item: key, reason: 'empty label' });
      continue;
    }
    const image: LabelledImage = { key, label, line };
    if (columns.split !== undefined) {
      const s = normalizeSplit(f[columns.split]);
      if (s === undefined) {
        tally(ds.skipped, {
          line,
          item: key,
          reason: `unknown split ${preview(f[columns.split])}; expected Training/PublicTest/PrivateTest or train/val/test`,
        });
        continue;
      }
      image.split = s;
    }
    if (columns.subject !== undefined) {
      const subject = f[columns.subject];
      if (subject === '') {
        tally(ds.skipped, { line, item: key, reason: 'empty subject' });
        continue;
      }
      image.subject = subject;
    }
    const first = seen.get(key);
    if (first !== undefined) {
      tally(ds.skipped, { line, item: key, reason: `path listed again (first on line ${first})` });
      continue;
    }
    seen.set(key, line);
    ds.images.push(image);
  }
  if (columns === undefined)
    throw emptyFileError(
      path,
      'labels CSV',
      `the header ${LABELS_CSV_COLUMNS} and one image per line`,
    );
  if (ds.images.length === 0 && ds.skipped.count === 0) {
    throw emptyFileError(path, 'labels CSV', `rows after the header ${LABELS_CSV_COLUMNS}`);
  }
  if (ds.images.length === 0) throw noUsableRows(ds);
  if (options.checkFiles ?? true) {
    await dropMissing(ds, options);
    if (ds.images.length === 0) throw noListedImage(ds);
  }
  return ds;
}

function outsideRootError(
  path: string,
  root: string,
  line: number,
  key: string,
  reason: string,
): ExprsimError {
  return new ExprsimError(
    'E_OUTSIDE_ROOT',
    `line ${line}: the image path ${preview(key)} is ${reason}; images must be inside the CSV's folder`,
    {
      input: path,
      fix: `list each image by its path relative to ${root} (e.g. images/happy/1.jpg), and move or link images from elsewhere into that folder`,
    },
  );
}

/** Every data row was skipped: a CSV that is not what its header says. */
function noUsableRows(ds: LabelledDataset): ExprsimError {
  const s = ds.skipped.first[0];
  return new ExprsimError(
    'E_DATA_FORMAT',
    `no usable rows: all ${ds.skipped.count} rows were skipped, e.g. line ${s.line}: ${s.reason}`,
    {
      input: ds.input,
      fix: `give each line after the header the columns ${LABELS_CSV_COLUMNS} of one image`,
    },
  );
}

/** None of the listed images exists: paths relative to another folder, or images not copied. */
function noListedImage(ds: LabelledDataset): ExprsimError {
  const m = ds.missing.first[0];
  return new ExprsimError(
    'E_DATA_MISSING_FILES',
    `none of the ${ds.missing.count} listed images exists, e.g. ${m.item}${m.line !== undefined ? ` (line ${m.line})` : ''}`,
    {
      input: ds.input,
      fix: `paths are relative to ${ds.root}: put the images there, or fix the paths`,
    },
  );
}

function headerError(path: string, detail: string): ExprsimError {
  return new ExprsimError('E_DATA_FORMAT', `bad header line: ${detail}`, {
    input: path,
    fix: `start the file with the header ${LABELS_CSV_COLUMNS}`,
  });
}

interface HeaderColumns {
  path: number;
  label: number;
  split?: number;
  subject?: number;
  /** Columns exprsim does not read, as the header names them. */
  ignored: string[];
}

/**
 * The header's columns. Unknown ones are ignored (returned in `ignored`) as long as `path` and
 * `label` are there; without them the error lists the unknown ones too (often a misnamed one).
 */
function parseHeader(path: string, fields: string[]): HeaderColumns {
  const found: Partial<Record<'path' | 'label' | 'split' | 'subject', number>> = {};
  const unknown: string[] = [];
  fields.forEach((name, i) => {
    const col = COLUMN_NAMES[name.toLowerCase()];
    if (col === undefined) {
      unknown.push(name);
    } else if (found[col] !== undefined) {
      throw headerError(
        path,
        `column ${col} appears twice (${JSON.stringify(fields[found[col]])} and ${JSON.stringify(name)})`,
      );
    } else {
      found[col] = i;
    }
  });
  const absent = (['path', 'label'] as const).filter((c) => found[c] === undefined);
  if (absent.length > 0) {
    const parts = [];
    if (absent.length > 0)
      parts.push(`missing column${absent.length > 1 ? 's' : ''} ${absent.join(', ')}`);
    if (unknown.length > 0)
      parts.push(
        `unexpected column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')}`,
      );
    throw new ExprsimError(
      'E_DATA_FORMAT',
      `header ${JSON.stringify(fields.join(','))}: ${parts.join('; ')}; expected columns ${LABELS_CSV_COLUMNS}`,
      {
        input: path,
        fix: `make the first line a header with the columns ${LABELS_CSV_COLUMNS} (any order)`,
      },
    );
  }
  return {
    path: found.path as number,
    label: found.label as number,
    split: found.split,
    subject: found.subject,
    ignored: unknown,
  };
}

/** Resolves a key against the dataset root (absolute keys stay as they are). */
export function keyPath(root: string, key: string): string {
  return isAbsolute(key) ? key : resolve(root, key);
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * Stats every image and moves the missing ones from `images` to `missing`; with requireFiles,
 * throws if there were any. Synchronous stats in batches of 2000 with a yield between: for tens
 * of thousands of small files that is several times faster than one async stat each (no thread
 * pool round trips), and the event loop still turns between batches.
 */
export async function dropMissing(
  ds: LabelledDataset,
  options: { requireFiles?: boolean; onProgress?: ProgressCallback } = {},
): Promise<void> {
  const total = ds.images.length;
  const exists = new Array<boolean>(total);
  for (let start = 0; start < total; start += 2000) {
    const end = Math.min(total, start + 2000);
    for (let i = start; i < end; i++) exists[i] = isFile(keyPath(ds.root, ds.images[i].key));
    options.onProgress?.({ done: end, total, label: 'check files' });
    await new Promise((r) => setImmediate(r));
  }
  const kept: LabelledImage[] = [];
  ds.images.forEach((im, i) => {
    if (exists[i]) kept.push(im);
    else tally(ds.missing, { line: im.line, item: im.key, reason: 'no such file' });
  });
  ds.images = kept;
  if (ds.missing.count > 0 && options.requireFiles) {
    const m = ds.missing.first[0];
    throw new ExprsimError(
      'E_DATA_MISSING_FILES',
      `${ds.missing.count} listed image${ds.missing.count > 1 ? 's do' : ' does'} not exist, e.g. ${m.item}${m.line ? ` (line ${m.line})` : ''}`,
      {
        input: ds.input,
        fix: `paths are relative to ${ds.root}; fix them, or drop \`requireFiles\` to skip missing images`,
        option: 'requireFiles',
      },
    );
  }
}
