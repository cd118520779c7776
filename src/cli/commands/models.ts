import type { Command } from 'commander';
import { ExprsimError } from '../../core/index.js';
import type { InputMode, Shape3 } from '../../index.js';
import { DEFAULT_FEATURE_SHAPE, DEFAULT_PIXEL_SHAPE, parseShape3 } from '../../models/defaults.js';
import { startEngine, type GlobalOptions } from '../options.js';
import { printResult } from '../output.js';

export interface ModelsOptions {
  input?: string;
  pixels?: string;
}

/** The input the table is for: --pixels, else --input, else the default feature map. */
export function modelsInput(opts: ModelsOptions): { inputMode: InputMode; inputShape: Shape3 } {
  if (opts.input !== undefined && opts.pixels !== undefined) {
    throw new ExprsimError('E_BAD_OPTION', '--input and --pixels exclude each other', {
      input: '--pixels',
      fix: 'give a feature-map shape with --input or a pixel shape with --pixels',
    });
  }
  const [flag, shape] =
    opts.pixels !== undefined ? ['--pixels', opts.pixels] : ['--input', opts.input];
  return {
    inputMode: opts.pixels !== undefined ? 'pixels' : 'features',
    inputShape:
      shape !== undefined
        ? parseShape3(shape, flag, '12x12x512')
        : ([...DEFAULT_FEATURE_SHAPE] as Shape3),
  };
}

/**
 * `exprsim models`: parameters and FLOPs (per face) of every head and preset at one input:
 * a feature map (default 7x7x1024, FECNet's backbone cut) or raw pixels (--pixels 100x100x1).
 */
export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('parameters and FLOPs of every embedding head and preset')
    .option(
      '--input <HxWxC>',
      `feature-map input (default ${DEFAULT_FEATURE_SHAPE.join('x')}, FECNet's Inception-4e cut)`,
    )
    .option(
      '--pixels <HxWxC>',
      `raw-pixel input instead (the study's replica mode), e.g. ${DEFAULT_PIXEL_SHAPE.join('x')}`,
    )
    .action(async (opts: ModelsOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { inputMode, inputShape } = modelsInput(opts);
      await startEngine(g);
      const { formatHeadSummaries, headSummariesJson, summariseHeads } =
        await import('../../models/index.js');
      const rows = summariseHeads({ inputMode, inputShape });
      printResult(g, headSummariesJson(rows, inputMode, inputShape), () =>
        formatHeadSummaries(rows, inputMode, inputShape),
      );
    });
}
