import type { Command } from 'commander';
import { abortOnInterrupt } from '../interrupt.js';
import { parseNumber, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBarOnFirstEvent } from '../output.js';
import { modelOptions, withModelOptions, type ModelOpts } from './photo-options.js';

/** Commander's values, under the keys of `IndexFolderOptions`. */
interface IndexOpts extends ModelOpts {
  db: string;
  maxFaces?: string;
  prune: boolean;
}

/** Registers `exprsim index`: the faces of a photo folder into a face index. */
export function registerIndexCommand(program: Command): void {
  withModelOptions(
    program
      .command('index')
      .description(
        'detect and embed the faces of every photo in a folder (recursively) into a face index',
      )
      .argument('<dir>', 'the photo folder (or a folder inside the one the index already covers)')
      .requiredOption('--db <path|url>', 'the index: an SQLite file, or a postgres:// URL'),
  )
    .option('--max-faces <n>', 'at most n faces per photo (highest detector scores)')
    .option('--no-prune', 'keep the records of photos that no longer exist')
    .action(async (dir: string, o: IndexOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const maxFaces = parseNumber('--max-faces', o.maxFaces, { min: 1 });
      const options = { dir, db: o.db, maxFaces, prune: o.prune, ...modelOptions(o, g) };
      const { indexFolder } = await import('../../search/index.js');
      // Every finished photo is committed; the one in progress is rolled back.
      const stop = abortOnInterrupt({ stopsAfter: 'the current photo', signals: ['SIGINT'] });
      const b = progressBarOnFirstEvent(g);
      let r;
      try {
        r = await indexFolder({ ...options, signal: stop.signal, onProgress: b.update });
      } finally {
        stop.release();
      }
      b.done();
      if (r.interrupted) process.exitCode = 130;
      if (g.json) {
        printJson(r);
        return;
      }
      const lines = [
        `index: ${r.files} photo${r.files === 1 ? '' : 's'} in ${r.folder} → ${r.db}${r.interrupted ? ' (interrupted: rerun to continue)' : ''}`,
        `  ${r.added} added, ${r.changed} changed, ${r.unchanged} unchanged, ${r.removed} removed; ${r.faces} face${r.faces === 1 ? '' : 's'} written, ${r.noFace} without a face, ${r.failed} failed`,
        `  the index now holds ${r.total.faces} faces in ${r.total.photos} photos (model ${r.model}) · ${r.seconds.toFixed(1)} s`,
      ];
      if (r.failures.length > 0) {
        lines.push(`failed:`);
        for (const f of r.failures.slice(0, 20)) lines.push(`  ${f.path}: ${f.error}`);
        if (r.failures.length > 20)
          lines.push(`  … and ${r.failures.length - 20} more (--json lists all)`);
      }
      printLines(lines);
    });
}
