import { join } from 'node:path';
import type { DatasetManifest } from './dataset-manifest.js';
import type { FecDownloadReport } from './fec-download.js';
import type { FecInfo } from './fec-info.js';
import type { FecSplitCounts } from './fec-triplets.js';
import type { FerplusTripletsResult } from './ferplus-triplets.js';
import type { SkippedItem, SplitName } from './labelled.js';
import type { TripletsResult } from './labelled-source.js';

// The data stage's results as text for a terminal (`exprsim data …`) and as the JSON summaries
// those commands print with --json. Pure: no I/O.

/** `line 5: gone.jpg: no such file` (no line number when the item has none). */
function itemText(s: SkippedItem): string {
  return `${s.line !== undefined ? `line ${s.line}: ` : ''}${s.item}: ${s.reason}`;
}

/** `fecInfo`'s summary: rows, the first `showBad` bad rows, images, types, agreement histogram. */
export function formatFecInfo(info: FecInfo, showBad: number): string[] {
  const pct = (n: number) => (info.rows === 0 ? '0%' : `${((100 * n) / info.rows).toFixed(1)}%`);
  const blank = info.blankLines > 1 ? 'blank lines' : 'blank line';
  const lines = [
    `file:          ${info.file}`,
    `rows:          ${info.rows} valid, ${info.badRows} bad${info.blankLines > 0 ? `, ${info.blankLines} ${blank} skipped` : ''}`,
  ];
  if (info.badRows > 0) {
    const shown = info.firstBadRows.slice(0, showBad);
    lines.push(`bad rows (first ${shown.length} of ${info.badRows}):`);
    for (const b of shown) lines.push(`  line ${b.line}: ${b.reason}`);
  }
  const counts = (o: Record<string, number>, sep: string) =>
    Object.entries(o)
      .map(([k, n]) => `${k}${sep}${n}`)
      .join(', ');
  lines.push(
    `unique images: ${info.uniqueImages} (${info.uniqueCrops} distinct URL+box crops)`,
    `types:         ${counts(info.types, ' ')}`,
    `raters/row:    ${counts(info.raterCounts, ': ') || '-'}`,
    'agreement (fraction of raters agreeing with the majority):',
  );
  const widest = Math.max(1, ...info.agreement.map((b) => b.rows), info.ties);
  const bar = (rows: number) =>
    `${String(rows).padStart(8)} ${pct(rows).padStart(6)} ${'#'.repeat(Math.round((30 * rows) / widest))}`;
  for (const b of info.agreement)
    lines.push(`  ${b.fraction.padStart(5)} (${b.value.toFixed(2)}) ${bar(b.rows)}`);
  lines.push(`  ${'tie'.padStart(5)}        ${bar(info.ties)}`);
  const t = info.triplets;
  const ties = t.options.ties === 'drop' ? `dropped: ${t.droppedTies}` : 'broken by lowest image';
  const low = t.options.minAgreement > 0;
  lines.push(
    `triplets:      ${t.kept} kept (ties ${ties}` +
      `${low ? `; ${t.droppedLowAgreement} under agreement ${t.options.minAgreement}` : ''})`,
  );
  return lines;
}

/** `downloadFec`'s report: URLs, what happened to them, the first problems, the manifest. */
export function formatFecDownload(r: FecDownloadReport): string[] {
  const lines = [
    `urls:        ${r.urls} unique (${r.crops} crops) from ${r.rows} rows${r.badRows > 0 ? `, ${r.badRows} bad rows skipped` : ''}`,
    `downloaded:  ${r.downloaded} (${r.cropsWritten} crops written)`,
    `dead:        ${r.dead} (404/410, gone)`,
    `bad:         ${r.bad} (not an image or truncated)`,
    `errors:      ${r.errors} (timeouts, network, 5xx after retries; a rerun tries them again)`,
    `skipped:     ${r.skipped} (done by an earlier run)`,
  ];
  if (r.recropped > 0)
    lines.push(`recropped:   ${r.recropped} (new boxes cut from stored full images)`);
  for (const p of r.firstProblems.slice(0, 5)) lines.push(`  ${p.status}: ${p.url}: ${p.reason}`);
  lines.push(`manifest:    ${r.manifest}`);
  return lines;
}

/** What `writeFecTriplets` returns. */
export interface FecTripletsResult {
  manifest: DatasetManifest;
  counts: Partial<Record<SplitName, FecSplitCounts>>;
}

/** `writeFecTriplets`'s JSON summary: the counts per split and the manifest's path. */
export function fecTripletsJson(r: FecTripletsResult, outDir: string) {
  return { counts: r.counts, manifest: join(outDir, 'dataset.json') };
}

/** `writeFecTriplets`'s counts per split, each with its triplet file, then the manifest. */
export function formatFecTriplets(r: FecTripletsResult, outDir: string): string[] {
  const lines = Object.entries(r.counts).map(
    ([s, c]) =>
      `${s}: ${c.kept} triplets from ${c.rows} rows (dropped: ${c.droppedTies} ties, ${c.droppedLowAgreement} low agreement, ` +
      `${c.droppedMissingImages} missing crops; ${c.badRows} bad rows) -> ${join(outDir, `${s}.jsonl`)}`,
  );
  return [...lines, `manifest: ${fecTripletsJson(r, outDir).manifest}`];
}

/** `writeTriplets`'s JSON summary: counts, manifest, splits, skipped rows and missing files. */
export function tripletsResultJson(r: TripletsResult) {
  const { skipped, missing, ignoredColumns } = r.source.dataset;
  return {
    counts: r.counts,
    manifest: r.manifestPath,
    splits: r.manifest.splits,
    skipped,
    missing,
    ...(ignoredColumns !== undefined ? { ignoredColumns } : {}),
  };
}

/** `writeTriplets`'s source (with its first skipped and missing items), splits and manifest. */
export function formatTripletsResult(r: TripletsResult, outDir: string): string[] {
  const { dataset: ds, kind, input } = r.source;
  const lines = [
    `source:   ${Object.keys(r.manifest.sources)[0]} (${kind} ${input}): ${ds.images.length} images, ${ds.skipped.count} rows skipped, ${ds.missing.count} missing files`,
    ...ds.skipped.first.slice(0, 5).map((s) => `  skipped ${itemText(s)}`),
    ...ds.missing.first.slice(0, 5).map((s) => `  missing ${itemText(s)}`),
  ];
  for (const [s, e] of Object.entries(r.manifest.splits)) {
    const short =
      typeof e.shortfall === 'number' && e.shortfall > 0
        ? ` (${e.shortfall} fewer than asked: the split is too small)`
        : '';
    lines.push(
      `${`${s}:`.padEnd(10)}${e.count} triplets from ${e.images} images${short} -> ${join(outDir, e.file)}`,
    );
  }
  lines.push(`manifest: ${r.manifestPath}`);
  return lines;
}

/** The left-out reasons as the FER+ summary names them. */
const LEFT_OUT: Record<keyof FerplusTripletsResult['leftOut'], string> = {
  nf: 'with NF votes',
  unknown: 'with unknown votes',
  noVotes: 'without emotion votes',
  missingFile: 'without an image file',
};

/** `writeFerplusTriplets`'s JSON summary: counts, manifest, splits, left-out faces, vote files. */
export function ferplusResultJson(r: FerplusTripletsResult) {
  const { counts, manifestPath: manifest, splits, leftOut, files } = r;
  return { counts, manifest, splits, leftOut, files };
}

/** `writeFerplusTriplets`'s vote files, left-out faces, splits (with triplet types), manifest. */
export function formatFerplusResult(r: FerplusTripletsResult, outDir: string): string[] {
  const lines: string[] = [];
  for (const f of r.files) {
    const dropped = f.droppedByFerplus.count;
    lines.push(
      `votes:    ${f.file} (${f.layout}): ${f.faces} faces from ${f.rows} rows, ${f.skipped.count} bad rows skipped` +
        (dropped > 0 ? `, ${dropped} without image (dropped by FER+)` : ''),
      ...f.skipped.first.slice(0, 5).map((s) => `    ${itemText(s)}`),
    );
  }
  const left = Object.entries(r.leftOut) as [keyof typeof LEFT_OUT, (typeof r.leftOut)['nf']][];
  const leftTotal = left.reduce((n, [, t]) => n + t.count, 0);
  lines.push(
    `left out: ${leftTotal} faces (${left.map(([k, t]) => `${t.count} ${LEFT_OUT[k]}`).join(', ')})`,
  );
  for (const [, t] of left) for (const s of t.first.slice(0, 2)) lines.push(`    ${itemText(s)}`);
  for (const [s, c] of Object.entries(r.splits)) {
    const short = c.written < c.requested ? ` (${c.requested - c.written} fewer than asked)` : '';
    lines.push(
      `${`${s}:`.padEnd(10)}${c.written} triplets${short} from ${c.usable} of ${c.faces} faces -> ${join(outDir, `${s}.jsonl`)}`,
      `          types: one-class ${c.types.ONE_CLASS_TRIPLET}, two-class ${c.types.TWO_CLASS_TRIPLET}, three-class ${c.types.THREE_CLASS_TRIPLET}` +
        ` (kept ${c.oneClass.written} of ${c.oneClass.draws} one-class and ${c.mixed.written} of ${c.mixed.draws} mixed draws)`,
    );
  }
  lines.push(`manifest: ${r.manifestPath}`);
  return lines;
}
