import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { splitCsvLine } from './csv-line.js';
import { normalizeSplit, tally, type SkippedItem, type SplitName } from './labelled.js';
import { emptyFileError, preview, readLines } from './line-reader.js';

/** FER+'s eight emotions, in its column order: a face's vote counts are indexed by these. */
export const FERPLUS_EMOTIONS = [
  'neutral',
  'happiness',
  'surprise',
  'sadness',
  'anger',
  'disgust',
  'fear',
  'contempt',
] as const;
export type FerplusEmotion = (typeof FERPLUS_EMOTIONS)[number];

/** The ten count columns of every layout: the emotions, then `unknown` and `NF` (not a face). */
export const FERPLUS_COUNT_COLUMNS = [...FERPLUS_EMOTIONS, 'unknown', 'NF'] as const;

/**
 * The vote-file layouts read, by what the first line looks like:
 * - `votes-csv`: exprsim's shared `votes.csv`, header `path,usage,<10 counts>`, paths relative
 *   to the file's folder.
 * - `fer2013new`: microsoft/FERPlus's `fer2013new.csv`, header `Usage,Image name,<10 counts>`,
 *   one row per fer2013.csv row (an empty image name is a face FER+ dropped); images in
 *   FERPlus's folders per usage (`FER2013Train`, `FER2013Valid`, `FER2013Test`).
 * - `label-csv`: FERPlus's per-folder `label.csv`, no header, `<image name>,"(x, y, w, h)",<10
 *   counts>` (older copies without the box are read too); images beside the file.
 */
export const FERPLUS_LAYOUTS = {
  'votes-csv': `path,usage,${FERPLUS_COUNT_COLUMNS.join(',')}`,
  fer2013new: `Usage,Image name,${FERPLUS_COUNT_COLUMNS.join(',')}`,
  'label-csv': `no header; image name,"(x, y, w, h)",${FERPLUS_COUNT_COLUMNS.join(',')}`,
} as const;
export type FerplusLayout = keyof typeof FERPLUS_LAYOUTS;

/** FERPlus's image folder per split (generate_training_data.py's names). */
export const FERPLUS_FOLDERS: Readonly<Record<SplitName, string>> = {
  train: 'FER2013Train',
  val: 'FER2013Valid',
  test: 'FER2013Test',
};

/** One face and its raters' votes. */
export interface FerplusFace {
  /** The image path relative to the reader's `root`, forward slashes: the triplet key. */
  key: string;
  split: SplitName;
  /** Votes per emotion, in FERPLUS_EMOTIONS order. */
  counts: number[];
  unknown: number;
  nf: number;
  /** Line of the vote file it came from. */
  line: number;
}

export interface Tally {
  count: number;
  first: SkippedItem[];
}

export interface FerplusVotes {
  /** The vote file, absolute. */
  file: string;
  layout: FerplusLayout;
  faces: FerplusFace[];
  /** Data rows read (blank lines not counted). */
  rows: number;
  /** Rows that are not valid (wrong field count, bad counts, unknown usage, repeated image). */
  skipped: Tally;
  /** fer2013new.csv rows without an image name: faces FER+ itself dropped (not faces). */
  droppedByFerplus: Tally;
}

export interface ReadFerplusVotesOptions {
  /** Folder the keys are relative to. Default: the vote file's folder. */
  root?: string;
  /** The split of a label.csv whose folder name does not say it (FER2013Train → train…). */
  split?: SplitName;
  /**
   * fer2013new.csv: the folder holding FER2013Train/FER2013Valid/FER2013Test. Default: the
   * file's folder if it has them, else its `data/` folder if that has them (the FERPlus
   * repository's layout), else the file's folder.
   */
  imagesDir?: string;
}

const IMAGE_NAME = /\.(png|jpe?g|bmp|gif|tiff?|webp)$/i;
const BOX = /^\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)$/;
const COUNT = /^\d+$/;

/** Where the fields of a row are: the image's column, the usage's, the ten counts'. */
interface Columns {
  layout: FerplusLayout;
  width: number;
  image: number;
  usage?: number;
  box?: number;
  counts: number[];
}

function layoutError(file: string, detail: string): ExprsimError {
  return new ExprsimError(
    'E_DATA_FORMAT',
    `not a FER+ vote file: ${detail}; expected a header ${FERPLUS_LAYOUTS['votes-csv']} ` +
      `(exprsim votes.csv) or ${FERPLUS_LAYOUTS.fer2013new} (FERPlus fer2013new.csv), ` +
      `or FERPlus label.csv rows (${FERPLUS_LAYOUTS['label-csv']})`,
    {
      input: file,
      fix: 'pass votes.csv, fer2013new.csv or a FERPlus label.csv',
    },
  );
}

/** Columns from a header line, or undefined when the line is not a header. */
function headerColumns(file: string, fields: string[]): Columns | undefined {
  const names = fields.map((f) => f.trim().toLowerCase());
  const layout: FerplusLayout | undefined = names.includes('path')
    ? 'votes-csv'
    : names.includes('image name')
      ? 'fer2013new'
      : undefined;
  if (layout === undefined) return undefined;
  const wanted =
    layout === 'votes-csv'
      ? ['path', 'usage', ...FERPLUS_COUNT_COLUMNS]
      : ['usage', 'image name', ...FERPLUS_COUNT_COLUMNS];
  const at = new Map<string, number>();
  const unexpected: string[] = [];
  names.forEach((n, i) => {
    const name = layout === 'votes-csv' && n === 'split' ? 'usage' : n;
    const w = wanted.find((x) => x.toLowerCase() === name);
    if (w === undefined || at.has(w)) unexpected.push(fields[i]);
    else at.set(w, i);
  });
  const absent = wanted.filter((w) => !at.has(w));
  if (absent.length > 0 || unexpected.length > 0) {
    const parts: string[] = [];
    if (absent.length > 0) parts.push(`missing ${absent.join(', ')}`);
    if (unexpected.length > 0)
      parts.push(`unexpected ${unexpected.map((u) => JSON.stringify(u)).join(', ')}`);
    throw new ExprsimError(
      'E_DATA_FORMAT',
      `header ${preview(fields.join(','), 120)}: ${parts.join('; ')}; expected the columns ${FERPLUS_LAYOUTS[layout]} (any order)`,
      { input: file, fix: `make the first line the header ${FERPLUS_LAYOUTS[layout]}` },
    );
  }
  const col = (w: string) => at.get(w) as number;
  return {
    layout,
    width: fields.length,
    image: col(layout === 'votes-csv' ? 'path' : 'image name'),
    usage: col('usage'),
    counts: FERPLUS_COUNT_COLUMNS.map(col),
  };
}

/** label.csv columns when the first line is one of its rows (12 fields with a box, or 11). */
function labelCsvColumns(fields: string[]): Columns | undefined {
  if (!IMAGE_NAME.test(fields[0] ?? '')) return undefined;
  const box = fields.length === 12 ? 1 : undefined;
  if (fields.length !== 12 && fields.length !== 11) return undefined;
  if (box !== undefined && !BOX.test(fields[1])) return undefined;
  const first = box === undefined ? 1 : 2;
  const counts = FERPLUS_COUNT_COLUMNS.map((_, i) => first + i);
  if (!counts.every((c) => COUNT.test(fields[c]))) return undefined;
  return { layout: 'label-csv', width: fields.length, image: 0, box, counts };
}

/** The split of a label.csv from its folder's name (FER2013Train, Training, train…). */
function labelCsvSplit(file: string, given: SplitName | undefined): SplitName {
  const folder = basename(dirname(file));
  const fromFolder =
    (Object.entries(FERPLUS_FOLDERS).find(
      ([, f]) => f.toLowerCase() === folder.toLowerCase(),
    )?.[0] as SplitName | undefined) ?? normalizeSplit(folder);
  const split = fromFolder ?? given;
  if (split === undefined) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `cannot tell the split of a label.csv in the folder ${JSON.stringify(folder)}; pass \`split\``,
      {
        input: file,
        option: 'split',
        fix: 'FERPlus keeps it in FER2013Train, FER2013Valid or FER2013Test; or pass `split`',
      },
    );
  }
  return split;
}

/** fer2013new.csv's image folder (see ReadFerplusVotesOptions.imagesDir). */
function fer2013newImages(file: string, given: string | undefined): string {
  if (given !== undefined) return resolve(given);
  const here = dirname(resolve(file));
  const has = (d: string) => Object.values(FERPLUS_FOLDERS).some((f) => existsSync(join(d, f)));
  if (has(here)) return here;
  return has(join(here, 'data')) ? join(here, 'data') : here;
}

/** A path relative to root with forward slashes (absolute images outside root stay relative with ..). */
function keyFor(root: string, abs: string): string {
  return relative(root, abs).split('\\').join('/');
}

/**
 * Reads one FER+ vote file in any of FERPLUS_LAYOUTS, detected from its first line: a header
 * naming the columns (any order, any case) or, headerless, a label.csv row. A header with
 * missing or unexpected columns is E_DATA_FORMAT naming the file and the expected columns. Bad
 * rows (wrong field count, a count that is not a whole number, an unknown usage, an image listed
 * twice) are counted with their line numbers and skipped, as the other readers do. Whether
 * images exist, and which faces are usable, is the caller's business (writeFerplusTriplets).
 */
export async function readFerplusVotes(
  path: string,
  options: ReadFerplusVotesOptions = {},
): Promise<FerplusVotes> {
  const file = resolve(path);
  const root = resolve(options.root ?? dirname(file));
  const out: FerplusVotes = {
    file,
    layout: 'votes-csv',
    faces: [],
    rows: 0,
    skipped: { count: 0, first: [] },
    droppedByFerplus: { count: 0, first: [] },
  };
  let cols: Columns | undefined;
  let labelSplit: SplitName | undefined;
  let imagesDir = '';
  const seen = new Map<string, number>();
  for await (const { line, text } of readLines(path, 'FER+ vote file')) {
    if (text.trim() === '') continue;
    const split = splitCsvLine(text);
    if (cols === undefined) {
      if (!split.ok) throw layoutError(file, `line ${line}: ${split.reason}`);
      cols = headerColumns(file, split.fields) ?? labelCsvColumns(split.fields);
      if (cols === undefined) throw layoutError(file, `the first line is ${preview(text, 120)}`);
      out.layout = cols.layout;
      if (cols.layout === 'label-csv') labelSplit = labelCsvSplit(file, options.split);
      if (cols.layout === 'fer2013new') imagesDir = fer2013newImages(file, options.imagesDir);
      if (cols.layout !== 'label-csv') continue;
    }
    out.rows++;
    const bad = (reason: string, item = text.slice(0, 80)) =>
      tally(out.skipped, { line, item, reason });
    if (!split.ok) {
      bad(split.reason);
      continue;
    }
    const f = split.fields;
    if (f.length !== cols.width) {
      bad(`has ${f.length} fields, expected ${cols.width}`);
      continue;
    }
    const name = f[cols.image];
    let rowSplit = labelSplit;
    if (cols.usage !== undefined) {
      rowSplit = normalizeSplit(f[cols.usage]);
      if (rowSplit === undefined) {
        bad(
          `unknown usage ${preview(f[cols.usage])}; expected Training, PublicTest or PrivateTest`,
        );
        continue;
      }
    }
    if (name === '') {
      if (cols.layout === 'fer2013new')
        tally(out.droppedByFerplus, { line, item: text.slice(0, 80), reason: 'no image name' });
      else bad('empty image path');
      continue;
    }
    if (cols.box !== undefined && !BOX.test(f[cols.box])) {
      bad(`box ${preview(f[cols.box])} is not "(x, y, w, h)"`, name);
      continue;
    }
    const badCount = cols.counts.find((c) => !COUNT.test(f[c]));
    if (badCount !== undefined) {
      bad(
        `${FERPLUS_COUNT_COLUMNS[cols.counts.indexOf(badCount)]} count ${preview(f[badCount])} is not a whole number`,
        name,
      );
      continue;
    }
    const n = cols.counts.map((c) => Number(f[c]));
    const abs =
      cols.layout === 'fer2013new'
        ? join(imagesDir, FERPLUS_FOLDERS[rowSplit as SplitName], name)
        : isAbsolute(name)
          ? name
          : resolve(dirname(file), name);
    const key = keyFor(root, abs);
    const firstLine = seen.get(key);
    if (firstLine !== undefined) {
      bad(`image listed again (first on line ${firstLine})`, key);
      continue;
    }
    seen.set(key, line);
    out.faces.push({
      key,
      split: rowSplit as SplitName,
      counts: n.slice(0, FERPLUS_EMOTIONS.length),
      unknown: n[8],
      nf: n[9],
      line,
    });
  }
  if (cols === undefined) {
    throw emptyFileError(
      path,
      'FER+ vote file',
      `a header ${FERPLUS_LAYOUTS['votes-csv']} and one face per line`,
    );
  }
  if (out.rows === 0) {
    throw emptyFileError(
      path,
      'FER+ vote file',
      `rows after the header ${FERPLUS_LAYOUTS[cols.layout]}`,
    );
  }
  return out;
}
