import { join } from 'node:path';
import type { Command } from 'commander';
import { ExprsimError } from '../../core/index.js';
import { DEFAULT_LABEL_TRIPLETS, SPLITS } from '../../data/defaults.js';
import type { SkippedItem, SplitName, TripletsResult } from '../../index.js';
import { parseNumber, type GlobalOptions, type OptionValue } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

function itemLine(s: SkippedItem): string {
  return `${s.line !== undefined ? `line ${s.line}: ` : ''}${s.item}: ${s.reason}`;
}

function tripletsLines(r: TripletsResult, out: string): string[] {
  const { dataset: ds, kind, input } = r.source;
  const lines = [
    `source:   ${Object.keys(r.manifest.sources)[0]} (${kind} ${input}): ${ds.images.length} images, ${ds.skipped.count} rows skipped, ${ds.missing.count} missing files`,
  ];
  for (const s of ds.skipped.first.slice(0, 5)) lines.push(`  skipped ${itemLine(s)}`);
  for (const s of ds.missing.first.slice(0, 5)) lines.push(`  missing ${itemLine(s)}`);
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
  return lines;
}

/** `--split-ratios 0.8,0.1,0.1` as three fractions. */
function splitRatios(value: OptionValue): [number, number, number] {
  const ratios = String(value)
    .split(',')
    .map((x) => parseNumber('--split-ratios', x, { int: false, max: 1 }) as number);
  if (ratios.length !== 3) {
    throw new ExprsimError('E_BAD_OPTION', '--split-ratios needs three fractions train,val,test', {
      input: `--split-ratios ${String(value)}`,
      fix: 'e.g. --split-ratios 0.8,0.1,0.1',
    });
  }
  return ratios as [number, number, number];
}

/** Registers `exprsim data triplets` on the `data` group. */
export function registerTripletsCommand(data: Command): void {
  const d = DEFAULT_LABEL_TRIPLETS;
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
    .option('--train-count <n>', `train triplets (default ${d.counts.train})`)
    .option('--val-count <n>', `val triplets (default ${d.counts.val})`)
    .option('--test-count <n>', `test triplets (default ${d.counts.test})`)
    .option('--seed <s>', 'random seed (integer)', String(d.seed))
    .option('--subject-disjoint', 'keep each subject in one split (needs a subject column)')
    .option(
      '--cross-subject',
      'anchor and positive from different subjects (needs a subject column; for dev sets)',
    )
    .option(
      '--split-ratios <r>',
      'train,val,test fractions when the data has no splits',
      d.splitRatios.join(','),
    )
    .option('--strict-files', 'fail if a listed image is missing (default: skip and report)')
    .option(
      '--source-name <name>',
      'source name in the triplet rows (default: the dataset folder name)',
    )
    .action(async (o: Record<string, OptionValue>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const out = o.out as string;
      const per = parseNumber('--per-split', o.perSplit);
      const counts: Partial<Record<SplitName, number>> = {};
      for (const s of SPLITS) {
        const v = parseNumber(`--${s}-count`, o[`${s}Count`]) ?? per;
        if (v !== undefined) counts[s] = v;
      }
      const ratios = splitRatios(o.splitRatios);
      const { writeTriplets } = await import('../../data/index.js');
      const b = progressBar(g);
      const r = await writeTriplets({
        labels: o.labels as string | undefined,
        folder: o.folder as string | undefined,
        fer2013: o.fer2013 as string | undefined,
        requireFiles: Boolean(o.strictFiles),
        outDir: out,
        counts,
        seed: parseNumber('--seed', o.seed, { max: 0xffffffff }),
        subjectDisjoint: Boolean(o.subjectDisjoint),
        crossSubject: Boolean(o.crossSubject),
        splitRatios: ratios,
        sourceName: o.sourceName as string | undefined,
        onProgress: b.update,
      });
      b.done();
      if (g.json) {
        const { dataset } = r.source;
        printJson({
          counts: r.counts,
          manifest: r.manifestPath,
          splits: r.manifest.splits,
          skipped: dataset.skipped,
          missing: dataset.missing,
        });
        return;
      }
      printLines(tripletsLines(r, out));
    });
}
