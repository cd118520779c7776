import { join } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_FERPLUS_TRIPLETS } from '../../data/defaults.js';
import type { FerplusTripletsResult, SkippedItem, SplitName } from '../../data/index.js';
import { parseNumber, parseSplit, type GlobalOptions, type OptionValue } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

const D = DEFAULT_FERPLUS_TRIPLETS;

/** The left-out reasons as the summary names them. */
const LEFT_OUT = {
  nf: 'with NF votes',
  unknown: 'with unknown votes',
  noVotes: 'without emotion votes',
  missingFile: 'without an image file',
} as const;

function itemLine(s: SkippedItem): string {
  return `    ${s.line !== undefined ? `line ${s.line}: ` : ''}${s.item}: ${s.reason}`;
}

function resultLines(r: FerplusTripletsResult, out: string): string[] {
  const lines: string[] = [];
  for (const f of r.files) {
    lines.push(
      `votes:    ${f.file} (${f.layout}): ${f.faces} faces from ${f.rows} rows, ${f.skipped.count} bad rows skipped` +
        (f.droppedByFerplus.count > 0
          ? `, ${f.droppedByFerplus.count} without image (dropped by FER+)`
          : ''),
    );
    for (const s of f.skipped.first.slice(0, 5)) lines.push(itemLine(s));
  }
  const left = Object.entries(r.leftOut) as [keyof typeof LEFT_OUT, (typeof r.leftOut)['nf']][];
  const leftTotal = left.reduce((n, [, t]) => n + t.count, 0);
  lines.push(
    `left out: ${leftTotal} faces (${left.map(([k, t]) => `${t.count} ${LEFT_OUT[k]}`).join(', ')})`,
  );
  for (const [, t] of left) for (const s of t.first.slice(0, 2)) lines.push(itemLine(s));
  for (const [s, c] of Object.entries(r.splits)) {
    const short = c.written < c.requested ? ` (${c.requested - c.written} fewer than asked)` : '';
    lines.push(
      `${`${s}:`.padEnd(10)}${c.written} triplets${short} from ${c.usable} of ${c.faces} faces -> ${join(out, `${s}.jsonl`)}`,
      `          types: one-class ${c.types.ONE_CLASS_TRIPLET}, two-class ${c.types.TWO_CLASS_TRIPLET}, three-class ${c.types.THREE_CLASS_TRIPLET}` +
        ` (kept ${c.oneClass.written} of ${c.oneClass.draws} one-class and ${c.mixed.written} of ${c.mixed.draws} mixed draws)`,
    );
  }
  lines.push(`manifest: ${r.manifestPath}`);
  return lines;
}

/** Registers `exprsim data ferplus-triplets` on the `data` command. */
export function registerFerplusTripletsCommand(data: Command): void {
  data
    .command('ferplus-triplets')
    .description(
      'graded triplets from FER+ votes (odd one out from the raters\u2019 distributions) -> train/val triplet files and dataset.json',
    )
    .requiredOption(
      '--votes <files...>',
      'votes.csv (path,usage,10 counts), FERPlus fer2013new.csv or its label.csv files',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--train <n>', `train triplets (default ${D.counts.train})`)
    .option('--val <n>', `val triplets (default ${D.counts.val})`)
    .option(
      '--test <n>',
      `test triplets, when the votes have PrivateTest (default ${D.counts.test})`,
    )
    .option(
      '--one-class-share <x>',
      `share of one-class triplets, 0..1 (default ${D.oneClassShare})`,
    )
    .option(
      '--min-margin <d>',
      `keep a triplet when the next distance exceeds the closest by this (total variation, default ${D.minMargin})`,
    )
    .option(
      '--max-nf <n>',
      `leave out faces with more "not a face" (NF) votes than this (default ${D.maxNf})`,
    )
    .option(
      '--max-unknown <n>',
      `leave out faces with more "unknown" votes than this (default ${D.maxUnknown})`,
    )
    .option('--seed <s>', `random seed (default ${D.seed})`)
    .option('--source-name <name>', `source name in the triplet rows (default ${D.sourceName})`)
    .option('--split <name>', 'split of a label.csv whose folder name does not say it')
    .option(
      '--images-dir <dir>',
      'fer2013new.csv: folder holding FER2013Train, FER2013Valid, FER2013Test',
    )
    .action(async (o: Record<string, OptionValue | string[]>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const opt = (k: string) => o[k] as OptionValue;
      const out = o.out as string;
      const counts: Partial<Record<SplitName, number>> = {};
      for (const s of ['train', 'val', 'test'] as const) {
        const v = parseNumber(`--${s}`, opt(s));
        if (v !== undefined) counts[s] = v;
      }
      const { writeFerplusTriplets } = await import('../../data/index.js');
      const b = progressBar(g);
      const r = await writeFerplusTriplets({
        votes: o.votes as string[],
        outDir: out,
        counts,
        oneClassShare: parseNumber('--one-class-share', opt('oneClassShare'), {
          int: false,
          max: 1,
        }),
        minMargin: parseNumber('--min-margin', opt('minMargin'), { int: false, max: 1 }),
        maxNf: parseNumber('--max-nf', opt('maxNf')),
        maxUnknown: parseNumber('--max-unknown', opt('maxUnknown')),
        seed: parseNumber('--seed', opt('seed'), { max: 0xffffffff }),
        sourceName: opt('sourceName') as string | undefined,
        split: parseSplit('--split', opt('split')),
        imagesDir: opt('imagesDir') as string | undefined,
        onProgress: b.update,
      });
      b.done();
      if (g.json) {
        printJson({
          counts: r.counts,
          manifest: r.manifestPath,
          splits: r.splits,
          leftOut: r.leftOut,
          files: r.files,
        });
        return;
      }
      printLines(resultLines(r, out));
    });
}
