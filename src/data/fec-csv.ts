import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { splitCsvLine } from './csv-line.js';
import { parseFecFields, isFecBadRow, type FecBadRow, type FecRow } from './fec-row.js';
import { emptyFileError, readLines } from './line-reader.js';

export interface ReadFecOptions {
  /** Called for every valid row, in file order; may be async (the read waits for it). */
  onRow?: (row: FecRow) => void | Promise<void>;
  /** Called for every bad row (all of them, not only the first few kept in the summary). */
  onBadRow?: (bad: FecBadRow) => void;
  /** How many bad rows the summary keeps, for reports. Default 20. */
  keepBadRows?: number;
  /** Rows read so far (no total: counting lines first would read the file twice). */
  onProgress?: ProgressCallback;
}

export interface FecReadSummary {
  file: string;
  /** Physical lines, blank ones included. */
  lines: number;
  /** Valid rows passed to onRow. */
  rows: number;
  /** Rows skipped as invalid. */
  badRows: number;
  /** The first `keepBadRows` bad rows with line numbers and reasons. */
  firstBadRows: FecBadRow[];
  /** Blank lines skipped (a trailing empty line is normal). */
  blankLines: number;
}

const PROGRESS_EVERY = 5000;

/**
 * Streams an FEC CSV, validating every row. Bad rows are counted, reported through `onBadRow`
 * and skipped, never fatal, so one damaged line cannot stop a run over 446K rows. The only errors
 * thrown are about the file as a whole: missing (E_FILE_NOT_FOUND), unreadable (E_IO) or empty
 * (E_DATA_EMPTY). A file whose every row is bad is not an error here; callers decide (the
 * summary says so).
 */
export async function readFecCsv(
  path: string,
  options: ReadFecOptions = {},
): Promise<FecReadSummary> {
  const keep = options.keepBadRows ?? 20;
  const summary: FecReadSummary = {
    file: path,
    lines: 0,
    rows: 0,
    badRows: 0,
    firstBadRows: [],
    blankLines: 0,
  };
  const reportBad = (bad: FecBadRow) => {
    summary.badRows++;
    if (summary.firstBadRows.length < keep) summary.firstBadRows.push(bad);
    options.onBadRow?.(bad);
  };
  for await (const { line, text } of readLines(path, 'FEC CSV')) {
    summary.lines = line;
    if (text.trim() === '') {
      summary.blankLines++;
      continue;
    }
    const split = splitCsvLine(text);
    if (!split.ok) {
      reportBad({ line, reason: split.reason });
      continue;
    }
    const row = parseFecFields(split.fields, line);
    if (isFecBadRow(row)) {
      reportBad(row);
      continue;
    }
    summary.rows++;
    // Await only real promises: an await per row costs seconds over 446K rows.
    const pending = options.onRow?.(row);
    if (pending) await pending;
    if (options.onProgress && summary.rows % PROGRESS_EVERY === 0) {
      options.onProgress({ done: summary.rows, label: 'rows' });
    }
  }
  if (summary.rows === 0 && summary.badRows === 0) {
    throw emptyFileError(
      path,
      'FEC CSV',
      'one triplet per line (URL, box, URL, box, URL, box, type, raters)',
    );
  }
  options.onProgress?.({ done: summary.rows, label: 'rows' });
  return summary;
}

/**
 * E_DATA_FORMAT when an FEC CSV had no valid row at all: a file of only bad rows is some other
 * file (another CSV, a damaged download), and a report or triplet set from it would be empty.
 */
export function requireValidRows(summary: FecReadSummary): void {
  if (summary.rows > 0) return;
  const first = summary.firstBadRows[0];
  throw new ExprsimError(
    'E_DATA_FORMAT',
    `no valid rows: all ${summary.badRows} rows are bad${first !== undefined ? `, e.g. line ${first.line}: ${first.reason}` : ''}`,
    {
      input: summary.file,
      fix: 'pass an FEC CSV (faceexp-comparison-data-{train,test}-public.csv): per line 3 x (URL, box left,right,top,bottom), the type, then (rater, annotation) pairs',
    },
  );
}
