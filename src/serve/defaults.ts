// The server's defaults that `exprsim serve` offers as flags, without fastify or TensorFlow.js:
// resolveServeOptions reads them (through ./options.ts) and the CLI's help shows them.

export const DEFAULT_SERVE = Object.freeze({
  /** 127.0.0.1: the server is reachable from this machine only unless `host` says otherwise. */
  host: '127.0.0.1',
  port: 8080,
  /** 20 MiB: the largest request body (an uploaded photo), raw or multipart. */
  bodyLimit: 20 * 1024 * 1024,
  /** 25 megapixels: checked from the image header before any pixel is decoded. */
  maxPixels: 25_000_000,
});
