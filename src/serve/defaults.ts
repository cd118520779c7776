// The server's defaults that `exprsim serve` offers as flags, without fastify or TensorFlow.js:
// resolveServeOptions reads them (through ./options.ts) and the CLI's help shows them.
import type { OptionSpec } from '../core/option-spec.js';

export const DEFAULT_SERVE = Object.freeze({
  /** 127.0.0.1: the server is reachable from this machine only unless `host` says otherwise. */
  host: '127.0.0.1',
  port: 8080,
  /** 20 MiB: the largest request body (an uploaded photo), raw or multipart. */
  bodyLimit: 20 * 1024 * 1024,
  /** 25 megapixels: checked from the image header before any pixel is decoded. */
  maxPixels: 25_000_000,
  /** 30 s to receive a request's headers, and again its body (408 E_TIMEOUT). */
  requestTimeoutMs: 30_000,
});

/** `exprsim serve`'s options, in the order of its help (as ServeIndexOptions). */
export const SERVE_OPTION_SPECS: readonly OptionSpec[] = Object.freeze([
  { flags: '--db <file|url>', help: 'the face index: an SQLite file or a postgres:// URL' },
  { flags: '--root <dir>', help: 'the photo folder of the index (default: the one it records)' },
  {
    flags: '--model <dir>',
    help: 'expression model for uploads (default: models/exprsim-default)',
  },
  { flags: '--host <host>', help: 'address to bind', default: DEFAULT_SERVE.host },
  { flags: '--port <n>', help: 'port (0: any free port)', default: String(DEFAULT_SERVE.port) },
  {
    flags: '--max-pixels <n>',
    help: 'largest upload in pixels (width x height)',
    default: String(DEFAULT_SERVE.maxPixels),
  },
  {
    flags: '--body-limit <bytes>',
    help: 'largest request body in bytes',
    default: String(DEFAULT_SERVE.bodyLimit),
  },
  {
    flags: '--token <token>',
    help: 'require this token on every request (Authorization: Bearer, or open /?token=… once in the browser); default $EXPRSIM_TOKEN; needed with a --host beyond 127.0.0.1',
  },
  {
    flags: '--allow-host <names>',
    key: 'allowedHosts',
    help: 'comma-separated host names the server answers to besides localhost, 127.0.0.1, [::1] and --host',
  },
  {
    flags: '--request-timeout <ms>',
    key: 'requestTimeoutMs',
    help: 'time to receive a request (headers, then body); slower ones get 408',
    default: String(DEFAULT_SERVE.requestTimeoutMs),
  },
  {
    flags: '--no-device',
    help: "turn off the web app's on-device mode (the page then uploads photos to the server)",
  },
  {
    flags: '--sample',
    help: 'serve the sample collection (samples/photos), indexed into .cache/ on first run',
  },
]);
