import type { Command } from 'commander';
import { ExprsimError, isExprsimError } from '../../core/errors.js';
import { parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printJson, progressBar } from '../output.js';

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

/** Resolves on Ctrl-C or SIGTERM (then the server closes). */
function untilStopped(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
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
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--max-pixels <n>', 'largest upload in pixels (width x height)', '25000000')
    .option('--body-limit <bytes>', 'largest request body in bytes', String(20 * 1024 * 1024))
    .option(
      '--sample',
      'serve the sample collection (samples/photos), indexed into .cache/ on first run',
    )
    .action(async (o: ServeOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const port = parseNumber('--port', o.port, { min: 0, max: 65535 }) ?? 8080;
      const maxPixels = parseNumber('--max-pixels', o.maxPixels, { min: 1 });
      const bodyLimit = parseNumber('--body-limit', o.bodyLimit, { min: 1 });
      if (o.sample === true && o.db !== undefined) {
        throw new ExprsimError('E_BAD_OPTION', '--sample and --db do not go together', {
          fix: 'pass --sample for the sample collection, or --db for your own index',
        });
      }
      if (o.sample !== true && o.db === undefined) {
        throw new ExprsimError('E_BAD_OPTION', 'no face index given', {
          fix: 'pass --db faces.sqlite (built by `exprsim index`), or --sample for the sample collection',
        });
      }
      await startEngine(g);
      const { resolveModelPath } = await import('../../models/default-model.js');
      const { createEmbedder } = await import('../../embed/face-embedder.js');
      const { createDetector } = await import('../../detect/registry.js');
      const { modelVersion } = await import('../../search/index.js');
      const { createServer, listen } = await import('../../serve/index.js');
      const { setLogSink } = await import('../../core/logger.js');

      // Uploads need the model; serving your own index works without one (search only).
      let modelDir: string | undefined;
      try {
        modelDir = resolveModelPath(o.model);
      } catch (e) {
        if (o.model !== undefined || o.sample === true || !isExprsimError(e)) throw e;
        process.stderr.write(`exprsim: uploads are off: ${e.toLine()}\n`);
      }
      const embedder = modelDir === undefined ? undefined : await createEmbedder(modelDir);
      const detector = embedder === undefined ? undefined : await createDetector('mtcnn');
      const model = embedder === undefined ? undefined : modelVersion(embedder.model);
      const dispose = () => {
        detector?.dispose();
        embedder?.dispose();
      };

      let store;
      try {
        if (o.sample === true) {
          const { openSampleIndex, SAMPLE_INDEX } = await import('../../serve/sample.js');
          const bar = progressBar(g);
          try {
            const r = await openSampleIndex({
              embedder: embedder!,
              detector: detector!,
              onProgress: bar.update,
            });
            store = r.store;
            const s = r.summary;
            if (!g.json && s.added + s.changed > 0) {
              process.stderr.write(
                `exprsim: built the sample index ${SAMPLE_INDEX}: ${s.files} photos, ${s.faces} faces\n`,
              );
            }
          } finally {
            bar.done();
          }
        } else {
          const { openStore } = await import('../../search/index.js');
          store = await openStore(o.db!, { root: o.root, readonly: true });
        }
      } catch (e) {
        dispose();
        throw e;
      }

      let app;
      try {
        app = await createServer({
          store,
          embedder,
          detector,
          model,
          host: o.host,
          port,
          maxPixels,
          bodyLimit,
        });
        // Server-side problems (5xx) go to stderr through the library's logger.
        setLogSink((level, message) => process.stderr.write(`exprsim ${level}: ${message}\n`));
        const url = await listen(app).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EADDRINUSE' && e.code !== 'EACCES' && e.code !== 'EADDRNOTAVAIL') throw e;
          throw new ExprsimError('E_IO', `cannot listen on ${o.host}:${port} (${e.code})`, {
            input: `--host ${o.host} --port ${port}`,
            fix:
              e.code === 'EADDRINUSE'
                ? 'another program uses that port: pass --port with a free one (0 picks any)'
                : 'pass a --host address of this machine and a --port you may use',
            cause: e,
          });
        });
        const stats = await store.stats();
        if (g.json) {
          printJson({ url, location: store.location, photos: stats.photos, faces: stats.faces });
        } else {
          process.stdout.write(
            `exprsim: serving ${stats.photos} photos, ${stats.faces} faces from ${store.location}\n` +
              `exprsim: open ${url}/ (Ctrl-C stops)\n`,
          );
        }
        const signal = await untilStopped();
        if (!g.json) process.stderr.write(`\nexprsim: ${signal}: stopping\n`);
      } finally {
        await app?.close();
        await store.close();
        dispose();
      }
    });
}
