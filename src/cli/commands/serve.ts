import type { Command } from 'commander';
import { setLogSink } from '../../core/index.js';
import { DEFAULT_SERVE } from '../../serve/defaults.js';
import { untilStopped } from '../interrupt.js';
import { parseNumber, resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, progressBarOnFirstEvent } from '../output.js';

/** Commander's values, under the keys of `ServeIndexOptions`. */
interface ServeOpts {
  db?: string;
  root?: string;
  model?: string;
  host: string;
  port: string;
  sample?: boolean;
  maxPixels?: string;
  bodyLimit?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the HTTP API and the web app over a face index (binds 127.0.0.1 unless --host)',
    )
    .option('--db <file|url>', 'the face index: an SQLite file or a postgres:// URL')
    .option('--root <dir>', 'the photo folder of the index (default: the one it records)')
    .option('--model <dir>', 'expression model for uploads (default: models/exprsim-default)')
    .option('--host <host>', 'address to bind', DEFAULT_SERVE.host)
    .option('--port <n>', 'port (0: any free port)', String(DEFAULT_SERVE.port))
    .option(
      '--max-pixels <n>',
      'largest upload in pixels (width x height)',
      String(DEFAULT_SERVE.maxPixels),
    )
    .option(
      '--body-limit <bytes>',
      'largest request body in bytes',
      String(DEFAULT_SERVE.bodyLimit),
    )
    .option(
      '--sample',
      'serve the sample collection (samples/photos), indexed into .cache/ on first run',
    )
    .action(async (o: ServeOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const options = {
        db: o.db,
        sample: o.sample === true,
        root: o.root,
        model: o.model,
        host: o.host,
        port: parseNumber('--port', o.port, { min: 0, max: 65535 }) ?? DEFAULT_SERVE.port,
        maxPixels: parseNumber('--max-pixels', o.maxPixels, { min: 1 }),
        bodyLimit: parseNumber('--body-limit', o.bodyLimit, { min: 1 }),
        backend: resolveBackend(g),
      };
      const { serveIndex } = await import('../../serve/index.js');
      const bar = progressBarOnFirstEvent(g);
      const s = await serveIndex({ ...options, onProgress: bar.update });
      bar.done();
      try {
        // Server-side problems (5xx) go to stderr through the library's logger.
        setLogSink((level, message) => process.stderr.write(`exprsim ${level}: ${message}\n`));
        if (s.uploadsOff !== undefined) {
          process.stderr.write(`exprsim: uploads are off: ${s.uploadsOff.toLine()}\n`);
        }
        const built = s.sample?.summary;
        if (!g.json && built !== undefined && built.added + built.changed > 0) {
          process.stderr.write(
            `exprsim: built the sample index ${s.sample!.location}: ${built.files} photos, ${built.faces} faces\n`,
          );
        }
        if (g.json) {
          printJson({
            url: s.url,
            location: s.store.location,
            photos: s.stats.photos,
            faces: s.stats.faces,
          });
        } else {
          process.stdout.write(
            `exprsim: serving ${s.stats.photos} photos, ${s.stats.faces} faces from ${s.store.location}\n` +
              `exprsim: open ${s.url}/ (Ctrl-C stops)\n`,
          );
        }
        const signal = await untilStopped();
        if (!g.json) process.stderr.write(`\nexprsim: ${signal}: stopping\n`);
      } finally {
        await s.close();
      }
    });
}
