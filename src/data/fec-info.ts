import type { ProgressCallback } from '../core/progress.js';
import { detachString } from './csv-line.js';
import { readFecCsv, requireValidRows, type FecReadSummary } from './fec-csv.js';
import { boxKey, FEC_TRIPLET_TYPES, type FecTripletType } from './fec-row.js';
import { labelFecRow, reducedFraction, resolveLabelOptions, type LabelOptions } from './vote.js';

export interface AgreementBin {
  /** The agreement as a reduced fraction, e.g. "2/3" (4 of 6 raters, or 6 of 9). */
  fraction: string;
  value: number;
  /** Rows with a unique majority at this agreement. */
  rows: number;
}

export interface FecInfo extends FecReadSummary {
  /** Unique image URLs over valid rows (the downloader fetches each once). */
  uniqueImages: number;
  /** Unique (URL, face box) pairs: the crops the downloader writes. */
  uniqueCrops: number;
  types: Record<FecTripletType, number>;
  /** Rows per number of raters, e.g. { "6": 1200, "9": 30 }. */
  raterCounts: Record<string, number>;
  /**
   * Histogram of the fraction of raters agreeing with the majority, over rows with a unique
   * majority, ascending. Tied rows are counted in `ties` instead.
   */
  agreement: AgreementBin[];
  /** Rows whose top vote is shared by two or three images. */
  ties: number;
  /** Triplets kept under `options` (default: ties dropped, no agreement threshold). */
  triplets: {
    kept: number;
    droppedTies: number;
    droppedLowAgreement: number;
    options: Required<LabelOptions>;
  };
}

/**
 * Reads an FEC CSV once and summarises it (the `exprsim data fec-info` report). A file with no
 * valid row is E_DATA_FORMAT (requireValidRows), one that is not UTF-8 text too (readLines).
 */
export async function fecInfo(
  path: string,
  options: LabelOptions & { keepBadRows?: number; onProgress?: ProgressCallback } = {},
): Promise<FecInfo> {
  const labelOptions = resolveLabelOptions(options);
  // URL -> its distinct boxes: keeps each URL once in memory (a Set of "url+box" strings for the
  // full training CSV holds over a million long keys and dominates the run time).
  const boxesByUrl = new Map<string, Set<string>>();
  const types = Object.fromEntries(FEC_TRIPLET_TYPES.map((t) => [t, 0])) as Record<
    FecTripletType,
    number
  >;
  const raterCounts = new Map<number, number>();
  const bins = new Map<string, AgreementBin>();
  let ties = 0;
  const triplets = { kept: 0, droppedTies: 0, droppedLowAgreement: 0, options: labelOptions };
  const summary = await readFecCsv(path, {
    keepBadRows: options.keepBadRows,
    onProgress: options.onProgress,
    onRow: (row) => {
      for (const f of row.faces) {
        let boxes = boxesByUrl.get(f.url);
        if (boxes === undefined) boxesByUrl.set(detachString(f.url), (boxes = new Set()));
        boxes.add(boxKey(f.box));
      }
      types[row.type]++;
      raterCounts.set(row.ratings.length, (raterCounts.get(row.ratings.length) ?? 0) + 1);
      const r = labelFecRow(row, labelOptions);
      if (r.vote.winners.length > 1) {
        ties++;
      } else {
        const fraction = reducedFraction(r.vote.top, r.vote.raters);
        const bin = bins.get(fraction) ?? { fraction, value: r.vote.agreement, rows: 0 };
        bin.rows++;
        bins.set(fraction, bin);
      }
      if (r.kept) triplets.kept++;
      else if (r.reason === 'tie') triplets.droppedTies++;
      else triplets.droppedLowAgreement++;
    },
  });
  requireValidRows(summary);
  return {
    ...summary,
    uniqueImages: boxesByUrl.size,
    uniqueCrops: [...boxesByUrl.values()].reduce((n, b) => n + b.size, 0),
    types,
    raterCounts: Object.fromEntries(
      [...raterCounts].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]),
    ),
    agreement: [...bins.values()].sort((a, b) => a.value - b.value),
    ties,
    triplets,
  };
}
