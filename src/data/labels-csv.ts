import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
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
 * Loads a labels CSV: a header naming the columns (`path,label[,split][,subject]`, any order,
 * `usage` accepted for `split`), then one image per line with its path relative to the CSV's
 * directory. Rows with the wrong number of fields, an empty path or label, an unknown split name
 * or a path listed twice are skipped and counted with their line numbers; so are listed files
 * that do not exist (or, with `requireFiles`, they fail the load), because a dataset silently
 * shrinking is worse than a loud one.
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
  let columns: { path: number; label: number; split?: number; subject?: number } | undefined;
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
  if (options.checkFiles ?? true) {
    await dropMissing(ds, options);
  }
  return ds;
}

function headerError(path: string, detail: string): ExprsimError {
  return new ExprsimError('E_DATA_FORMAT', `bad header line: ${detail}`, {
    input: path,
    fix: `start the file with the header ${LABELS_CSV_COLUMNS}`,
  });
}

function parseHeader(
  path: string,
  fields: string[],
): { path: number; label: number; split?: number; subject?: number } {
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
  if (absent.length > 0 || unknown.length > 0) {
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
