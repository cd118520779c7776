import type { Command } from 'commander';
import { ExprsimError } from '../../core/index.js';
import type { HeadSummary, InputMode, Shape3 } from '../../index.js';
import { DEFAULT_FEATURE_SHAPE, DEFAULT_PIXEL_SHAPE, parseShape3 } from '../../models/defaults.js';
import { startEngine, type GlobalOptions } from '../options.js';
import { printJson } from '../output.js';

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
  if (opts.pixels !== undefined) {
    return { inputMode: 'pixels', inputShape: parseShape3(opts.pixels, '--pixels', '12x12x512') };
  }
  return {
    inputMode: 'features',
    inputShape:
      opts.input !== undefined
        ? parseShape3(opts.input, '--input', '12x12x512')
        : ([...DEFAULT_FEATURE_SHAPE] as Shape3),
  };
}

const group = (n: number) => n.toLocaleString('en-US');

/** The text table of `exprsim models`. */
export function renderModelsTable(
  rows: readonly HeadSummary[],
  inputMode: InputMode,
  inputShape: Shape3,
): string {
  const table = [
    ['head', 'preset', 'layers', 'params', 'trainable', 'MFLOPs/face'],
    ...rows.map((r) => [
      r.head,
      r.preset,
      'layersPerBlock' in r.config
        ? `3x${r.config.layersPerBlock}, k=${r.config.growth}`
        : `${r.config.layers}, k=${r.config.growth}`,
      group(r.params),
      group(r.trainableParams),
      (r.flops / 1e6).toFixed(1),
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const right = [false, false, false, true, true, true];
  const lines = table.map((row) =>
    row
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
  return (
    [
      `${inputMode === 'pixels' ? 'pixel' : 'feature-map'} input ${inputShape.join('x')}; ` +
        'FLOPs = 2 x multiply-adds of convs and FC layers; params include BN statistics',
      ...lines,
    ].join('\n') + '\n'
  );
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
      const { summariseHeads } = await import('../../models/index.js');
      const rows = summariseHeads({ inputMode, inputShape });
      if (g.json) {
        const heads = rows.map((r) => ({
          head: r.head,
          preset: r.preset,
          params: r.params,
          trainableParams: r.trainableParams,
          flops: r.flops,
          config: r.config,
        }));
        printJson({ input: { mode: inputMode, shape: inputShape }, heads });
        return;
      }
      process.stdout.write(renderModelsTable(rows, inputMode, inputShape));
    });
}
