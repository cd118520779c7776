import type { Command } from 'commander';
import { ExprsimError } from '../../core/index.js';
import { resolveBackend, type GlobalOptions } from '../options.js';
import { printResult, withProgressBar } from '../output.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .alias('self-check')
    .description('run a tiny end-to-end self-check: backend, training, save/load, no leaks')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { formatSelfCheck, runSelfCheck } = await import('../../experiment/index.js');
      const backend = resolveBackend(g);
      const r = await withProgressBar(g, (onProgress) => runSelfCheck({ backend, onProgress }));
      printResult(g, r, () => formatSelfCheck(r));
      if (!r.ok) {
        throw new ExprsimError('E_IO', 'self-check failed', {
          fix: 'rerun with --verbose and report the output',
        });
      }
    });
}
