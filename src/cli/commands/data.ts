import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SEED, DEFAULT_TRIPLET_COUNTS } from '../../data/label-triplets.js';
import { TIE_RULES } from '../../data/vote.js';
import { ExprsimError } from '../../core/errors.js';
import type { FecInfo, LabelledDataset, SkippedItem, SplitName, TieRule } from '../../index.js';
import { parseNumber, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';
import { registerFerplusTripletsCommand } from './data-ferplus.js';

// The data commands need no tensors: each loads only the data module it uses, when it runs.

function tieRule(value: string | undefined): TieRule | undefined {
  if (value === undefined) return undefined;
  if (!(TIE_RULES as readonly string[]).includes(value)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `--ties must be one of ${TIE_RULES.join(', ')}, got ${JSON.stringify(value)}`,
      {
        input: `--ties ${value}`,
        fix: "use 'drop' (default: tied votes are dropped) or 'lowest' (keep, lowest tied image is the odd one)",
      },
    );
  }
  return value as TieRule;
}

function itemLine(s: SkippedItem): string {
  return `  ${s.line !== undefined ? `line ${s.line}: ` : ''}${s.item}: ${s.reason}`;
}

function infoLines(info: FecInfo, showBad: number): string[] {
  const pct = (n: number) => (info.rows === 0 ? '0%' : `${((100 * n) / info.rows).toFixed(1)}%`);
  const lines = [
    `file:          ${info.file}`,
    `rows:          ${info.rows} valid, ${info.badRows} bad${info.blankLines > 0 ? `, ${info.blankLines} blank line${info.blankLines > 1 ? 's' : ''} skipped` : ''}`,
  ];
  if (info.badRows > 0) {
    lines.push(
      `bad rows (first ${Math.min(showBad, info.firstBadRows.length)} of ${info.badRows}):`,
    );
    for (const b of info.firstBadRows.slice(0, showBad))
      lines.push(`  line ${b.line}: ${b.reason}`);
  }
  lines.push(
    `unique images: ${info.uniqueImages} (${info.uniqueCrops} distinct URL+box crops)`,
    `types:         ${Object.entries(info.types)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
    `raters/row:    ${
      Object.entries(info.raterCounts)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ') || '-'
    }`,
    'agreement (fraction of raters agreeing with the majority):',
  );
  const widest = Math.max(1, ...info.agreement.map((b) => b.rows), info.ties);
  for (const b of info.agreement) {
    lines.push(
      `  ${b.fraction.padStart(5)} (${b.value.toFixed(2)}) ${String(b.rows).padStart(8)} ${pct(b.rows).padStart(6)} ${'#'.repeat(Math.round((30 * b.rows) / widest))}`,
    );
  }
  lines.push(
    `  ${'tie'.padStart(5)}        ${String(info.ties).padStart(8)} ${pct(info.ties).padStart(6)} ${'#'.repeat(Math.round((30 * info.ties) / widest))}`,
  );
  const t = info.triplets;
  lines.push(
    `triplets:      ${t.kept} kept (ties ${t.options.ties === 'drop' ? `dropped: ${t.droppedTies}` : 'broken by lowest image'}` +
      `${t.options.minAgreement > 0 ? `; ${t.droppedLowAgreement} under agreement ${t.options.minAgreement}` : ''})`,
  );
  return lines;
}

async function loadSource(
  opts: { labels?: string; folder?: string; fer2013?: string; strictFiles?: boolean },
  out: string,
  onProgress: (e: { done: number; total?: number; label?: string }) => void,
): Promise<{
  ds: LabelledDataset;
  kind: 'labels-csv' | 'image-folder' | 'fer2013-csv';
  input: string;
  stats: Record<string, unknown>;
}> {
  const given = [opts.labels, opts.folder, opts.fer2013].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `pass exactly one of --labels, --folder, --fer2013 (got ${given.length})`,
      {
        fix: 'e.g. --labels ../shared/data/fer2013/labels.csv',
      },
    );
  }
  const { loadLabelsCsv } = await import('../../data/labels-csv.js');
  if (opts.labels !== undefined) {
    const ds = await loadLabelsCsv(opts.labels, { requireFiles: opts.strictFiles, onProgress });
    return { ds, kind: 'labels-csv', input: opts.labels, stats: {} };
  }
  if (opts.folder !== undefined) {
    const { loadImageFolder } = await import('../../data/image-folder.js');
    return {
      ds: await loadImageFolder(opts.folder),
      kind: 'image-folder',
      input: opts.folder,
      stats: {},
    };
  }
  const fer = opts.fer2013 as string;
  const { extractFer2013 } = await import('../../data/fer2013-csv.js');
  const x = await extractFer2013(fer, join(out, 'fer2013-images'), { onProgress });
  const ds = await loadLabelsCsv(x.labelsCsv, { requireFiles: true, onProgress });
  return {
    ds,
    kind: 'fer2013-csv',
    input: fer,
    stats: { extractedTo: ds.root, faces: x.faces, rowsSkipped: x.skipped },
  };
}

/** Registers `exprsim data …`: fec-info, fec-download, fec-triplets, triplets. */
export function registerDataCommands(program: Command): void {
  const data = program
    .command('data')
    .description('datasets: FEC CSVs and images, labelled sets, triplet files');
  registerFerplusTripletsCommand(data);

  data
    .command('fec-info')
    .description(
      'validate an FEC CSV and summarise it: rows, bad rows, images, types, rater agreement',
    )
    .argument('<file>', 'faceexp-comparison-data-{train,test}-public.csv')
    .option('--min-agreement <t>', 'count triplets with at least this rater agreement (0..1)')
    .option('--ties <rule>', `tied votes: ${TIE_RULES.join(' or ')} (default drop)`)
    .option('--bad-rows <n>', 'bad rows to list', '5')
    .action(
      async (
        file: string,
        o: { minAgreement?: string; ties?: string; badRows: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const showBad = parseNumber('--bad-rows', o.badRows) as number;
        const { fecInfo } = await import('../../data/fec-info.js');
        const b = progressBar(g);
        const info = await fecInfo(file, {
          minAgreement: parseNumber('--min-agreement', o.minAgreement, { int: false, max: 1 }),
          ties: tieRule(o.ties),
          keepBadRows: Math.max(showBad, 20),
          onProgress: b.update,
        });
        b.done();
        if (g.json) printJson(info);
        else printLines(infoLines(info, showBad));
      },
    );

  data
    .command('fec-download')
    .description('download FEC images once per URL and save face crops; resumable, with a manifest')
    .argument('<csv>', 'an FEC CSV')
    .requiredOption('--out <dir>', 'download folder (crops/, manifest.jsonl, report.json)')
    .option('--concurrency <n>', 'parallel requests', '8')
    .option('--timeout <seconds>', 'per request', '30')
    .option('--retries <n>', 'extra attempts on timeouts, network errors and 5xx', '3')
    .option('--backoff <ms>', 'first retry wait, doubling per retry', '1000')
    .option('--margin <fraction>', 'crop margin as a fraction of the face box size', '0.2')
    .option('--format <fmt>', 'crop format: jpeg or png', 'jpeg')
    .option('--keep-full', 'also keep every full image (images/)')
    .option('--retry-dead', 'try URLs recorded as dead (404/410) again')
    .option('--retry-bad', 'try URLs recorded as bad (not an image, truncated) again')
    .option('--limit <n>', 'only the first N unique URLs')
    .action(async (csv: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const format = o.format as string;
      if (format !== 'jpeg' && format !== 'png') {
        throw new ExprsimError(
          'E_BAD_OPTION',
          `--format must be jpeg or png, got ${JSON.stringify(format)}`,
          {
            input: `--format ${format}`,
          },
        );
      }
      const { downloadFec } = await import('../../data/fec-download.js');
      const b = progressBar(g);
      const r = await downloadFec(csv, {
        outDir: o.out as string,
        concurrency: parseNumber('--concurrency', o.concurrency, { min: 1 }),
        timeoutMs: Math.round(
          (parseNumber('--timeout', o.timeout, { int: false, min: 0.001 }) as number) * 1000,
        ),
        retries: parseNumber('--retries', o.retries),
        backoffMs: parseNumber('--backoff', o.backoff),
        margin: parseNumber('--margin', o.margin, { int: false }),
        format,
        keepFull: Boolean(o.keepFull),
        retryDead: Boolean(o.retryDead),
        retryBad: Boolean(o.retryBad),
        limit: parseNumber('--limit', o.limit, { min: 1 }),
        onProgress: b.update,
      });
      b.done();
      if (g.json) {
        printJson(r);
        return;
      }
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
      for (const p of r.firstProblems.slice(0, 5))
        lines.push(`  ${p.status}: ${p.url}: ${p.reason}`);
      lines.push(`manifest:    ${r.manifest}`);
      printLines(lines);
    });

  data
    .command('fec-triplets')
    .description('FEC CSVs + downloaded crops -> triplet files (majority vote) and dataset.json')
    .requiredOption('--downloads <dir>', 'the folder fec-download wrote')
    .requiredOption('--out <dir>', 'output folder')
    .option('--train <csv>', 'FEC CSV for the train split')
    .option('--val <csv>', 'FEC CSV for the val split')
    .option('--test <csv>', 'FEC CSV for the test split')
    .option('--min-agreement <t>', 'keep triplets with at least this rater agreement (0..1)')
    .option('--ties <rule>', `tied votes: ${TIE_RULES.join(' or ')} (default drop)`)
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { writeFecTriplets } = await import('../../data/fec-triplets.js');
      const r = await writeFecTriplets({
        inputs: { train: o.train, val: o.val, test: o.test },
        downloadDir: o.downloads as string,
        outDir: o.out as string,
        minAgreement: parseNumber('--min-agreement', o.minAgreement, { int: false, max: 1 }),
        ties: tieRule(o.ties),
      });
      if (g.json) {
        printJson({ counts: r.counts, manifest: join(o.out as string, 'dataset.json') });
        return;
      }
      const lines: string[] = [];
      for (const [s, c] of Object.entries(r.counts)) {
        lines.push(
          `${s}: ${c.kept} triplets from ${c.rows} rows (dropped: ${c.droppedTies} ties, ${c.droppedLowAgreement} low agreement, ` +
            `${c.droppedMissingImages} missing crops; ${c.badRows} bad rows) -> ${join(o.out as string, `${s}.jsonl`)}`,
        );
      }
      lines.push(`manifest: ${join(o.out as string, 'dataset.json')}`);
      printLines(lines);
    });

  data
    .command('triplets')
    .description(
      'two-class triplets from a labelled dataset -> train/val/test triplet files and dataset.json',
    )
    .option(
      '--labels <csv>',
      'labels CSV: path,label[,split|usage][,subject], paths relative to the CSV',
    )
    .option('--folder <dir>', 'image folder: <label>/<image> (or <split>/<label>/<image>)')
    .option(
      '--fer2013 <csv>',
      'the original fer2013.csv (faces are extracted to OUT/fer2013-images)',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--per-split <n>', 'triplets for each of train, val and test')
    .option('--train-count <n>', `train triplets (default ${DEFAULT_TRIPLET_COUNTS.train})`)
    .option('--val-count <n>', `val triplets (default ${DEFAULT_TRIPLET_COUNTS.val})`)
    .option('--test-count <n>', `test triplets (default ${DEFAULT_TRIPLET_COUNTS.test})`)
    .option('--seed <s>', 'random seed (integer)', String(DEFAULT_SEED))
    .option('--subject-disjoint', 'keep each subject in one split (needs a subject column)')
    .option(
      '--split-ratios <r>',
      'train,val,test fractions when the data has no splits',
      '0.8,0.1,0.1',
    )
    .option('--strict-files', 'fail if a listed image is missing (default: skip and report)')
    .option(
      '--source-name <name>',
      'source name in the triplet rows (default: the dataset folder name)',
    )
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const out = o.out as string;
      const per = parseNumber('--per-split', o.perSplit);
      const counts: Partial<Record<SplitName, number>> = {};
      for (const s of ['train', 'val', 'test'] as const) {
        const v = parseNumber(`--${s}-count`, o[`${s}Count`]) ?? per;
        if (v !== undefined) counts[s] = v;
      }
      const ratios = String(o.splitRatios)
        .split(',')
        .map((x) => parseNumber('--split-ratios', x, { int: false, max: 1 }) as number);
      if (ratios.length !== 3) {
        throw new ExprsimError(
          'E_BAD_OPTION',
          '--split-ratios needs three fractions train,val,test',
          {
            input: `--split-ratios ${String(o.splitRatios)}`,
            fix: 'e.g. --split-ratios 0.8,0.1,0.1',
          },
        );
      }
      const { sourceNameFor, writeLabelTriplets } = await import('../../data/label-triplets.js');
      const b = progressBar(g);
      const src = await loadSource(
        {
          labels: o.labels as string,
          folder: o.folder as string,
          fer2013: o.fer2013 as string,
          strictFiles: Boolean(o.strictFiles),
        },
        out,
        b.update,
      );
      const r = await writeLabelTriplets(src.ds, {
        outDir: out,
        counts,
        seed: parseNumber('--seed', o.seed, { max: 0xffffffff }),
        subjectDisjoint: Boolean(o.subjectDisjoint),
        splitRatios: ratios as [number, number, number],
        sourceName:
          (o.sourceName as string | undefined) ??
          sourceNameFor(src.kind === 'fer2013-csv' ? 'fer2013' : src.ds.root),
        sourceKind: src.kind,
        sourceInput: src.input,
        sourceStats: src.stats,
      });
      b.done();
      if (g.json) {
        printJson({
          counts: r.counts,
          manifest: r.manifestPath,
          splits: r.manifest.splits,
          skipped: src.ds.skipped,
          missing: src.ds.missing,
        });
        return;
      }
      const ds = src.ds;
      const lines = [
        `source:   ${Object.keys(r.manifest.sources)[0]} (${src.kind} ${src.input}): ${ds.images.length} images, ${ds.skipped.count} rows skipped, ${ds.missing.count} missing files`,
      ];
      for (const s of ds.skipped.first.slice(0, 5))
        lines.push(`  skipped ${itemLine(s).trimStart()}`);
      for (const s of ds.missing.first.slice(0, 5))
        lines.push(`  missing ${itemLine(s).trimStart()}`);
      for (const [s, e] of Object.entries(r.manifest.splits)) {
        const short =
          typeof e.shortfall === 'number' && e.shortfall > 0
            ? ` (${e.shortfall} fewer than asked: the split is too small)`
            : '';
        lines.push(
          `${`${s}:`.padEnd(10)}${e.count} triplets from ${e.images} images${short} -> ${join(out, e.file)}`,
        );
      }
      lines.push(`manifest: ${r.manifestPath}`);
      printLines(lines);
    });
}
