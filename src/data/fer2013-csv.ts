import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { writeFileAtomic } from '../core/fs.js';
import { splitCsvLine } from './csv-line.js';
import { normalizeSplit, tally, type SkippedItem, type SplitName } from './labelled.js';
import { emptyFileError, preview, readLines } from './line-reader.js';

/** FER2013's label indices: 0=angry, 1=disgust, 2=fear, 3=happy, 4=sad, 5=surprise, 6=neutral. */
export const FER2013_LABELS = [
  'angry',
  'disgust',
  'fear',
  'happy',
  'sad',
  'surprise',
  'neutral',
] as const;

/** 48 x 48 grey pixels per face. */
export const FER2013_SIZE = 48;

export interface Fer2013Face {
  /** 0-based data row (header excluded): the index FER+ (fer2013new.csv) labels join on. */
  row: number;
  line: number;
  label: (typeof FER2013_LABELS)[number];
  /** The Usage column as written: Training, PublicTest or PrivateTest. */
  usage: string;
  split: SplitName;
  /** 48*48 grey samples, row-major. */
  pixels: Uint8Array;
}

const EXPECTED_HEADER = 'emotion,pixels,Usage';

function parsePixels(text: string): Uint8Array | string {
  const parts = text.trim().split(/\s+/);
  const n = FER2013_SIZE * FER2013_SIZE;
  if (parts.length !== n) return `pixels has ${parts.length} values, expected ${n} (48x48)`;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255)
      return `pixel ${i + 1} is ${preview(p)}, not an integer 0-255`;
    out[i] = Number(p);
  }
  return out;
}

/**
 * Streams the original Kaggle `fer2013.csv` (header emotion,pixels,Usage; ~300 MB) one face at a
 * time. Bad rows (wrong field count, emotion outside 0-6, pixels not 2304 integers 0-255, unknown
 * Usage) go to `onSkip` with their line numbers. Throws E_DATA_FORMAT for a wrong header and
 * E_DATA_EMPTY for an empty file.
 */
export async function readFer2013Csv(
  path: string,
  onFace: (face: Fer2013Face) => void | Promise<void>,
  onSkip: (item: SkippedItem) => void = () => undefined,
): Promise<{ faces: number; skipped: number }> {
  let header = false;
  let row = -1;
  let faces = 0;
  let skipped = 0;
  const skip = (item: SkippedItem) => {
    skipped++;
    onSkip(item);
  };
  for await (const { line, text } of readLines(path, 'fer2013.csv')) {
    if (text.trim() === '') continue;
    const split = splitCsvLine(text);
    if (!header) {
      const names = split.ok ? split.fields.map((f) => f.toLowerCase()) : [];
      if (names.join(',') !== EXPECTED_HEADER.toLowerCase()) {
        throw new ExprsimError(
          'E_DATA_FORMAT',
          `header is ${preview(text)}; expected the columns ${EXPECTED_HEADER}`,
          {
            input: path,
            fix: 'pass the original Kaggle fer2013.csv (a labels CSV goes to `labels`)',
            option: 'fer2013',
          },
        );
      }
      header = true;
      continue;
    }
    row++;
    if (!split.ok) {
      skip({ line, item: `row ${row}`, reason: split.reason });
      continue;
    }
    const f = split.fields;
    if (f.length !== 3) {
      skip({
        line,
        item: `row ${row}`,
        reason: `has ${f.length} fields, expected 3 (${EXPECTED_HEADER})`,
      });
      continue;
    }
    const emotion = f[0];
    if (!/^[0-6]$/.test(emotion)) {
      skip({ line, item: `row ${row}`, reason: `emotion ${preview(emotion)} is not an index 0-6` });
      continue;
    }
    const s = normalizeSplit(f[2]);
    if (s === undefined) {
      skip({
        line,
        item: `row ${row}`,
        reason: `unknown Usage ${preview(f[2])}; expected Training, PublicTest or PrivateTest`,
      });
      continue;
    }
    const pixels = parsePixels(f[1]);
    if (typeof pixels === 'string') {
      skip({ line, item: `row ${row}`, reason: pixels });
      continue;
    }
    faces++;
    await onFace({
      row,
      line,
      label: FER2013_LABELS[Number(emotion)],
      usage: f[2],
      split: s,
      pixels,
    });
  }
  if (!header)
    throw emptyFileError(
      path,
      'fer2013.csv',
      `the header ${EXPECTED_HEADER} and one face per line`,
    );
  if (faces === 0 && skipped === 0)
    throw emptyFileError(path, 'fer2013.csv', 'face rows after the header');
  return { faces, skipped };
}

export interface ExtractFer2013Result {
  /** The labels CSV written (path,label,usage), to load with loadLabelsCsv. */
  labelsCsv: string;
  faces: number;
  /** Images already present from an earlier run, not rewritten. */
  existing: number;
  skipped: { count: number; first: SkippedItem[] };
}

/**
 * Writes every face of a fer2013.csv as a 48x48 grey PNG under
 * `outDir/images/<Usage>/<label>/<Usage>_<row>.png` and a `labels.csv` (path,label,usage) beside
 * them, turning the CSV into the same labels-CSV dataset as the image releases. File names carry
 * the row index so FER+ labels can still be joined. Images already present are kept (a rerun
 * after an interruption only writes the rest); each is written atomically, and labels.csv last.
 */
export async function extractFer2013(
  csvPath: string,
  outDir: string,
  options: { onProgress?: ProgressCallback } = {},
): Promise<ExtractFer2013Result> {
  // From image/encode.js, not image/index.js (which loads TensorFlow.js), and when extracting,
  // not with the data stage: its entry stays free of sharp (see fec-download.ts).
  const { writeImage } = await import('../image/encode.js');
  const rows: string[] = ['path,label,usage'];
  const skipped = { count: 0, first: [] as SkippedItem[] };
  const made = new Set<string>();
  let existing = 0;
  let pending: Promise<void>[] = [];
  const { faces } = await readFer2013Csv(
    csvPath,
    async (face) => {
      const rel = `images/${face.usage}/${face.label}/${face.usage}_${face.row}.png`;
      rows.push(`${rel},${face.label},${face.usage}`);
      const dir = join(outDir, 'images', face.usage, face.label);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      const file = join(outDir, rel);
      pending.push(
        stat(file).then(
          () => {
            existing++;
          },
          () =>
            writeImage(file, {
              data: face.pixels,
              width: FER2013_SIZE,
              height: FER2013_SIZE,
              channels: 1,
            }),
        ),
      );
      if (pending.length >= 16) {
        await Promise.all(pending);
        pending = [];
        options.onProgress?.({ done: rows.length - 1, label: 'fer2013 images' });
      }
    },
    (item) => tally(skipped, item),
  );
  await Promise.all(pending);
  const labelsCsv = join(outDir, 'labels.csv');
  await writeFileAtomic(labelsCsv, `${rows.join('\n')}\n`);
  return { labelsCsv, faces, existing, skipped };
}
