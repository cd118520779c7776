import { join, resolve } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import {
  makeSource,
  writeDatasetManifest,
  type DatasetManifest,
  type DatasetSplit,
} from './dataset-manifest.js';
import { DOWNLOAD_MANIFEST, readDownloadManifest } from './download-manifest.js';
import { readFecCsv, requireValidRows } from './fec-csv.js';
import { cropId, type CropFormat } from './fec-ids.js';
import type { FecFace } from './fec-row.js';
import { SPLITS, type SplitName } from './labelled.js';
import { checkTripletDir, prepareTripletDir } from './out-dir.js';
import { labelFecRow, resolveLabelOptions, type LabelOptions } from './vote.js';
import { writeTripletFile, type TripletRow } from './triplet-file.js';

export interface FecTripletOptions extends LabelOptions {
  /** FEC CSVs per split, e.g. { train: '…-train-public.csv', test: '…-test-public.csv' }. */
  inputs: Partial<Record<SplitName, string>>;
  /** The folder `exprsim data fec-download` wrote: image keys are its crop files. */
  downloadDir: string;
  outDir: string;
  /** The source name in rows and manifest. Default 'fec'. */
  sourceName?: string;
  /** Replace the triplet set already in `outDir` (default false: E_BAD_OPTION). */
  overwrite?: boolean;
}

export interface FecSplitCounts {
  rows: number;
  badRows: number;
  kept: number;
  droppedTies: number;
  droppedLowAgreement: number;
  /** Triplets dropped because a face's crop is not downloaded (dead, bad or not yet fetched). */
  droppedMissingImages: number;
}

/**
 * FEC CSVs -> exprsim triplet files: each row's majority vote (see vote.ts for the tie rule and
 * minAgreement) becomes {a, p, n} with the crop files of the download folder as keys. Rows whose
 * three crops are not all downloaded are dropped and counted (many Flickr URLs are dead), so
 * training never meets a missing file. Writes `<outDir>/<split>.jsonl` and `dataset.json`. A CSV
 * without a valid row is E_DATA_FORMAT and a run keeping no triplet E_DATA_EMPTY, both before
 * anything is written; a folder holding a triplet set is refused unless `overwrite`.
 */
export async function writeFecTriplets(
  options: FecTripletOptions,
): Promise<{ manifest: DatasetManifest; counts: Partial<Record<SplitName, FecSplitCounts>> }> {
  const labelOptions = resolveLabelOptions(options);
  const splitsIn = SPLITS.filter((s) => options.inputs[s] !== undefined);
  if (splitsIn.length === 0) {
    throw new ExprsimError('E_BAD_OPTION', 'no FEC CSV given', {
      fix: 'pass at least one of the `train`, `val`, `test` CSVs in `inputs`',
      option: 'inputs',
    });
  }
  await checkTripletDir(options.outDir, options.overwrite);
  const { records } = await readDownloadManifest(join(options.downloadDir, DOWNLOAD_MANIFEST));
  if (records.size === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'the download folder has no manifest entries', {
      input: options.downloadDir,
      fix: 'download the images first (downloadFec, `exprsim data fec-download`) and pass its folder as `downloadDir`',
      option: 'downloadDir',
    });
  }
  const cropFiles = new Map<string, string>();
  let format: CropFormat | undefined;
  for (const r of records.values()) {
    if (r.status !== 'ok') continue;
    for (const c of r.crops ?? []) {
      cropFiles.set(c.id, c.file);
      format ??= c.file.endsWith('.png') ? 'png' : 'jpeg';
    }
  }
  const keyOf = (f: FecFace) => cropFiles.get(cropId(f.url, f.box));
  const source = options.sourceName ?? 'fec';
  const counts: Partial<Record<SplitName, FecSplitCounts>> = {};
  const splits: Partial<Record<SplitName, DatasetSplit>> = {};
  const rowsBySplit = new Map<SplitName, TripletRow[]>();
  for (const s of splitsIn) {
    const input = options.inputs[s] as string;
    const c: FecSplitCounts = {
      rows: 0,
      badRows: 0,
      kept: 0,
      droppedTies: 0,
      droppedLowAgreement: 0,
      droppedMissingImages: 0,
    };
    const rows: TripletRow[] = [];
    const summary = await readFecCsv(input, {
      onRow: (row) => {
        const r = labelFecRow(row, labelOptions);
        if (!r.kept) {
          if (r.reason === 'tie') c.droppedTies++;
          else c.droppedLowAgreement++;
          return;
        }
        const t = r.triplet;
        const [a, p, n] = [keyOf(t.anchor), keyOf(t.positive), keyOf(t.negative)];
        if (a === undefined || p === undefined || n === undefined) {
          c.droppedMissingImages++;
          return;
        }
        rows.push({ a, p, n, type: t.type, agreement: t.agreement, source, raters: t.raters });
      },
    });
    requireValidRows(summary);
    c.rows = summary.rows;
    c.badRows = summary.badRows;
    c.kept = rows.length;
    counts[s] = c;
    const file = `${s}.jsonl`;
    rowsBySplit.set(s, rows);
    splits[s] = {
      file,
      count: rows.length,
      input: resolve(input),
      ...c,
      firstBadRows: summary.firstBadRows,
    };
  }
  if ([...rowsBySplit.values()].every((rows) => rows.length === 0))
    throw noFecTriplets(counts, splitsIn.map((s) => options.inputs[s]).join(', '));
  await prepareTripletDir(options.outDir, options.overwrite);
  for (const [s, rows] of rowsBySplit)
    await writeTripletFile(join(options.outDir, `${s}.jsonl`), rows);
  const manifest = await writeDatasetManifest(options.outDir, {
    sources: {
      [source]: makeSource(options.outDir, 'fec', options.downloadDir, options.downloadDir, {
        downloaded: [...records.values()].filter((r) => r.status === 'ok').length,
        crops: cropFiles.size,
        cropFormat: format ?? 'jpeg',
      }),
    },
    options: { ...labelOptions },
    splits,
  });
  return { manifest, counts };
}

/** Every row was dropped: say why, summed over the splits. */
function noFecTriplets(
  counts: Partial<Record<SplitName, FecSplitCounts>>,
  input: string,
): ExprsimError {
  const c = Object.values(counts).reduce(
    (t, x) => ({
      rows: t.rows + x.rows,
      ties: t.ties + x.droppedTies,
      low: t.low + x.droppedLowAgreement,
      missing: t.missing + x.droppedMissingImages,
    }),
    { rows: 0, ties: 0, low: 0, missing: 0 },
  );
  return new ExprsimError(
    'E_DATA_EMPTY',
    `no triplets: of ${c.rows} rows, ${c.ties} tied, ${c.low} under \`minAgreement\`, ${c.missing} with a crop not downloaded`,
    {
      input,
      fix:
        c.missing >= c.rows - c.ties - c.low
          ? 'download the images first (`exprsim data fec-download` into the `downloadDir` folder)'
          : 'lower `minAgreement`, or keep ties with `ties` lowest',
    },
  );
}
