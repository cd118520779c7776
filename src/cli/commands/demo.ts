import type { Command } from 'commander';
import { ExprsimError } from '../../core/index.js';
import { resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .alias('self-check')
    .description('run a tiny end-to-end self-check: backend, training, save/load, no leaks')
    .action(async (_opts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { runSelfCheck } = await import('../../experiment/index.js');
      const bar = progressBar(g);
      const r = await runSelfCheck({ backend: resolveBackend(g), onProgress: bar.update });
      bar.done();
      if (g.json) {
        printJson(r);
      } else {
        const first = r.losses[0].toFixed(4);
        const last = r.losses[r.losses.length - 1].toFixed(4);
        printLines([
          `backend: ${r.engine.backend} (${r.engine.reason})`,
          `images: PNG encode/decode round trip ${r.imageRoundTrip ? 'ok' : 'FAILED'}`,
          `training: loss ${first} → ${last} over ${r.losses.length} steps ${r.lossDecreased ? 'ok' : 'FAILED'}`,
          `save/load: max embedding difference ${r.reloadMaxDiff} ${r.reloadMaxDiff === 0 ? 'ok' : 'FAILED'}`,
          `tensors leaked: ${r.leakedTensors} ${r.leakedTensors === 0 ? 'ok' : 'FAILED'}`,
          r.ok ? 'self-check passed' : 'self-check FAILED',
        ]);
      }
      if (!r.ok) {
        throw new ExprsimError('E_IO', 'self-check failed', {
          fix: 'rerun with --verbose and report the output',
        });
      }
    });
}
