import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';
import { printResult } from '../output.js';

export function registerBuildWebCommand(program: Command): void {
  program
    .command('build-web')
    .description(
      'write a static demo site (page, browser bundle, wasm, models) that detects, embeds, compares and finds the odd one out in the page',
    )
    .requiredOption('--out <dir>', 'folder to write the site into')
    .option('--model <dir>', 'embedding model folder to ship (default: the shipped default model)')
    .option(
      '--float16',
      'store the embedding model’s weights as float16 (half the download, dequantised at load; accuracy change in BENCHMARKS.md)',
    )
    .action(async (opts: { out: string; model?: string; float16?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { buildWebDemo, formatBuildWeb } = await import('../../web/index.js');
      const r = await buildWebDemo({ outDir: opts.out, model: opts.model, float16: opts.float16 });
      printResult(g, r, () => formatBuildWeb(r));
    });
}
