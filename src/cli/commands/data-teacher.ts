import type { Command } from 'commander';
import { OVERWRITE_OPTION } from '../../data/defaults.js';
import type { SplitName } from '../../data/index.js';
import { keyedOption } from '../keyed-option.js';
import { numberOption, seedOption, startEngine, type GlobalOptions } from '../options.js';
import { printResult, withProgressBar } from '../output.js';
import { addOptions } from './option-specs.js';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

type TeacherOpts = Partial<Record<`${SplitName}Count`, number>> & {
  from: string;
  outDir: string;
  teacher?: string;
  oneClassShare?: number;
  minMargin?: number;
  seed?: number;
  overwrite?: boolean;
};

/** Registers `exprsim data teacher-triplets` on the `data` command. */
export function registerTeacherTripletsCommand(data: Command): void {
  const cmd = data
    .command('teacher-triplets')
    .description(
      "graded triplets from a teacher's expression probabilities over a triplet set's images (distillation, same rule as FER+ votes)",
    )
    .requiredOption('--from <dir>', 'triplet dataset folder whose images the teacher grades')
    .addOption(keyedOption('--out <dir>', 'output folder', 'outDir').makeOptionMandatory())
    .option('--teacher <name>', 'faceapi-expression (default) or human-emotion');
  for (const s of SPLITS) {
    cmd.addOption(
      numberOption(`--${s}-count <n>`, `${s} triplets (default 0: none)`, { key: `${s}Count` }),
    );
  }
  addOptions(cmd, [OVERWRITE_OPTION])
    .addOption(
      numberOption('--one-class-share <x>', 'share of one-class triplets, 0..1 (default 0.5)', {
        int: false,
        max: 1,
      }),
    )
    .addOption(
      numberOption(
        '--min-margin <d>',
        'keep a triplet when the next distance exceeds the closest by this (total variation, default 0.2)',
        { int: false, max: 1 },
      ),
    )
    .addOption(seedOption('random seed (default 1)'))
    .action(async (o: TeacherOpts, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      await startEngine(g);
      const { writeTeacherTriplets } = await import('../../train/index.js');
      const counts = Object.fromEntries(SPLITS.map((s) => [s, o[`${s}Count`] ?? 0]));
      const r = await withProgressBar(g, (onProgress) =>
        writeTeacherTriplets({
          from: o.from,
          outDir: o.outDir,
          teacher: o.teacher,
          counts,
          oneClassShare: o.oneClassShare,
          minMargin: o.minMargin,
          seed: o.seed,
          overwrite: o.overwrite,
          onProgress,
        }),
      );
      printResult(g, r, () => [
        ...Object.entries(r.splits).map(
          ([s, x]) =>
            `${s}: ${x.count} triplets from ${x.images} images (one-class ${x.types.ONE_CLASS_TRIPLET}, two-class ${x.types.TWO_CLASS_TRIPLET}, three-class ${x.types.THREE_CLASS_TRIPLET}${x.shortfall > 0 ? `; ${x.shortfall} short` : ''})`,
        ),
        `teacher: ${r.teacher}`,
        `wrote ${r.outDir}`,
      ]);
    });
}
