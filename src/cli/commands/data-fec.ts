import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_FEC_DOWNLOAD, TIE_RULES } from '../../data/defaults.js';
import type { CropFormat, FecDownloadReport, TieRule } from '../../index.js';
import { parseNumber, type GlobalOptions, type OptionValue } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

function downloadLines(r: FecDownloadReport): string[] {
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

/** Registers `exprsim data fec-download` and `exprsim data fec-triplets` on the `data` group. */
export function registerFecCommands(data: Command): void {
  const d = DEFAULT_FEC_DOWNLOAD;
  data
    .command('fec-download')
    .description('download FEC images once per URL and save face crops; resumable, with a manifest')
    .argument('<csv>', 'an FEC CSV')
    .requiredOption('--out <dir>', 'download folder (crops/, manifest.jsonl, report.json)')
    .option('--concurrency <n>', 'parallel requests', String(d.concurrency))
    .option('--timeout <seconds>', 'per request', String(d.timeoutMs / 1000))
    .option(
      '--retries <n>',
      'extra attempts on timeouts, network errors and 5xx',
      String(d.retries),
    )
    .option('--backoff <ms>', 'first retry wait, doubling per retry', String(d.backoffMs))
    .option(
      '--margin <fraction>',
      'crop margin as a fraction of the face box size',
      String(d.margin),
    )
    .option('--format <fmt>', 'crop format: jpeg or png', d.format)
    .option('--keep-full', 'also keep every full image (images/)')
    .option('--retry-dead', 'try URLs recorded as dead (404/410) again')
    .option('--retry-bad', 'try URLs recorded as bad (not an image, truncated) again')
    .option('--limit <n>', 'only the first N unique URLs')
    .action(async (csv: string, o: Record<string, OptionValue>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const timeout = parseNumber('--timeout', o.timeout, { int: false, min: 0.001 });
      const { downloadFec } = await import('../../data/index.js');
      const b = progressBar(g);
      const r = await downloadFec(csv, {
        outDir: o.out as string,
        concurrency: parseNumber('--concurrency', o.concurrency, { min: 1 }),
        timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
        retries: parseNumber('--retries', o.retries),
        backoffMs: parseNumber('--backoff', o.backoff),
        margin: parseNumber('--margin', o.margin, { int: false }),
        format: o.format as CropFormat,
        keepFull: Boolean(o.keepFull),
        retryDead: Boolean(o.retryDead),
        retryBad: Boolean(o.retryBad),
        limit: parseNumber('--limit', o.limit, { min: 1 }),
        onProgress: b.update,
      });
      b.done();
      if (g.json) printJson(r);
      else printLines(downloadLines(r));
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
      const out = o.out as string;
      const { writeFecTriplets } = await import('../../data/index.js');
      const r = await writeFecTriplets({
        inputs: { train: o.train, val: o.val, test: o.test },
        downloadDir: o.downloads as string,
        outDir: out,
        minAgreement: parseNumber('--min-agreement', o.minAgreement, { int: false, max: 1 }),
        ties: o.ties as TieRule | undefined,
      });
      const manifest = join(out, 'dataset.json');
      if (g.json) {
        printJson({ counts: r.counts, manifest });
        return;
      }
      const lines: string[] = [];
      for (const [s, c] of Object.entries(r.counts)) {
        lines.push(
          `${s}: ${c.kept} triplets from ${c.rows} rows (dropped: ${c.droppedTies} ties, ${c.droppedLowAgreement} low agreement, ` +
            `${c.droppedMissingImages} missing crops; ${c.badRows} bad rows) -> ${join(out, `${s}.jsonl`)}`,
        );
      }
      lines.push(`manifest: ${manifest}`);
      printLines(lines);
    });
}
