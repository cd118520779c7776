import type { Command } from 'commander';
import { setLogSink } from '../../core/index.js';
import { DEFAULT_SERVE, SERVE_OPTION_SPECS } from '../../serve/defaults.js';
import { untilStopped } from '../interrupt.js';
import { parseNumber, resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { addOptions } from './option-specs.js';
import { withProgressBar } from './with-progress.js';

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
  token?: string;
  allowedHosts?: string;
  requestTimeoutMs?: string;
  device: boolean;
}

const note = (line: string) => process.stderr.write(`exprsim: ${line}\n`);

export function registerServeCommand(program: Command): void {
  const cmd = program
    .command('serve')
    .description(
      'serve the HTTP API and the web app over a face index (binds 127.0.0.1 unless --host)',
    );
  addOptions(cmd, SERVE_OPTION_SPECS).action(async (o: ServeOpts) => {
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
      requestTimeoutMs: parseNumber('--request-timeout', o.requestTimeoutMs, { min: 1 }),
      // The environment keeps the token out of the process list (ps shows flags).
      token: o.token ?? (process.env.EXPRSIM_TOKEN || undefined),
      allowedHosts: o.allowedHosts
        ?.split(',')
        .map((h) => h.trim())
        .filter((h) => h !== ''),
      device: o.device,
      backend: resolveBackend(g),
    };
    const serve = await import('../../serve/index.js');
    const s = await withProgressBar(
      g,
      (onProgress) => serve.serveIndex({ ...options, onProgress }),
      true,
    );
    try {
      // Server-side problems (5xx) go to stderr through the library's logger.
      setLogSink((level, message) => process.stderr.write(`exprsim ${level}: ${message}\n`));
      if (s.uploadsOff !== undefined) note(`uploads are off: ${s.uploadsOff.toLine()}`);
      if (s.deviceOff !== undefined) note(`the web app's on-device mode is off: ${s.deviceOff}`);
      const built = serve.formatSampleBuilt(s);
      if (!g.json && built !== undefined) note(built);
      if (g.json) printJson(serve.servingJson(s));
      else printLines(serve.formatServing(s).map((line) => `exprsim: ${line}`));
      const signal = await untilStopped();
      if (!g.json) process.stderr.write(`\nexprsim: ${signal}: stopping\n`);
    } finally {
      await s.close();
    }
  });
}
