import type { Command } from 'commander';
import { DEFAULT_FEC_DOWNLOAD, OVERWRITE_OPTION, TIE_RULES } from '../../data/defaults.js';
import { addOptions } from './option-specs.js';
import type { FecDownloadOptions, FecTripletOptions } from '../../index.js';
import { keyedOption } from '../keyed-option.js';
import { numberOption, type GlobalOptions } from '../options.js';
import { printResult, withProgressBar } from '../output.js';

/** `--min-agreement` and `--ties`, the majority-vote options (`verb`: what the threshold does). */
export function withVoteOptions(cmd: Command, verb: 'count' | 'keep'): Command {
  const help = `${verb} triplets with at least this rater agreement (0..1)`;
  return cmd
    .addOption(numberOption('--min-agreement <t>', help, { int: false, max: 1 }))
    .option('--ties <rule>', `tied votes: ${TIE_RULES.join(' or ')} (default drop)`);
}

/** Registers `exprsim data fec-download` and `exprsim data fec-triplets` on the `data` group. */
export function registerFecCommands(data: Command): void {
  const d = DEFAULT_FEC_DOWNLOAD;
  const retries = 'extra attempts on timeouts, network errors and 5xx';
  data
    .command('fec-download')
    .description('download FEC images once per URL and save face crops; resumable, with a manifest')
    .argument('<csv>', 'an FEC CSV')
    .addOption(
      keyedOption(
        '--out <dir>',
        'download folder (crops/, manifest.jsonl, report.json)',
        'outDir',
      ).makeOptionMandatory(),
    )
    .addOption(
      numberOption('--concurrency <n>', 'parallel requests', { min: 1, default: d.concurrency }),
    )
    .addOption(
      numberOption('--timeout <seconds>', 'per request', {
        int: false,
        min: 0.001,
        default: d.timeoutMs / 1000,
      }),
    )
    .addOption(numberOption('--retries <n>', retries, { default: d.retries }))
    .addOption(
      numberOption('--backoff <ms>', 'first retry wait, doubling per retry', {
        key: 'backoffMs',
        default: d.backoffMs,
      }),
    )
    .addOption(
      numberOption('--margin <fraction>', 'crop margin as a fraction of the face box size', {
        int: false,
        default: d.margin,
      }),
    )
    .option('--format <fmt>', 'crop format: jpeg or png', d.format)
    .option('--keep-full', 'also keep every full image (images/)')
    .option('--retry-dead', 'try URLs recorded as dead (404/410) again')
    .option('--retry-bad', 'try URLs recorded as bad (not an image, truncated) again')
    .addOption(numberOption('--limit <n>', 'only the first N unique URLs', { min: 1 }))
    .action(async (csv: string, o: FecDownloadOptions & { timeout: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { downloadFec, formatFecDownload } = await import('../../data/index.js');
      const { timeout, ...options } = o;
      const timeoutMs = Math.round(timeout * 1000);
      const r = await withProgressBar(g, (onProgress) =>
        downloadFec(csv, { ...options, timeoutMs, onProgress }),
      );
      printResult(g, r, () => formatFecDownload(r));
    });

  const triplets = data
    .command('fec-triplets')
    .description('FEC CSVs + downloaded crops -> triplet files (majority vote) and dataset.json')
    .addOption(
      keyedOption(
        '--downloads <dir>',
        'the folder fec-download wrote',
        'downloadDir',
      ).makeOptionMandatory(),
    )
    .addOption(keyedOption('--out <dir>', 'output folder', 'outDir').makeOptionMandatory())
    .option('--train <csv>', 'FEC CSV for the train split')
    .option('--val <csv>', 'FEC CSV for the val split')
    .option('--test <csv>', 'FEC CSV for the test split');
  withVoteOptions(addOptions(triplets, [OVERWRITE_OPTION]), 'keep').action(
    async (o: Omit<FecTripletOptions, 'inputs'> & FecTripletOptions['inputs'], cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { train, val, test, ...options } = o;
      const { fecTripletsJson, formatFecTriplets, writeFecTriplets } =
        await import('../../data/index.js');
      const r = await writeFecTriplets({ ...options, inputs: { train, val, test } });
      printResult(g, fecTripletsJson(r, o.outDir), () => formatFecTriplets(r, o.outDir));
    },
  );
}
