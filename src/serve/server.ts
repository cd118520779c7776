import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServeContext } from './context.js';
import {
  HttpError,
  answerError,
  clientErrorHandler,
  installErrorHandlers,
  toApiError,
} from './errors.js';
import {
  JSON_BODY_LIMIT,
  resolveServeOptions,
  type ResolvedServeOptions,
  type ServeOptions,
} from './options.js';
import { installAccessChecks } from './access.js';
import { installBodyTimeout } from './body-timeout.js';
import { pathHider } from './hide-paths.js';
import { createSerialQueue } from './queue.js';
import { registerFaceRoutes } from './routes/faces.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerPhotoRoutes } from './routes/photos.js';
import { registerSearchRoutes } from './routes/search.js';
import { registerUploadParsers } from './upload.js';
import { deviceFiles, registerDeviceRoutes, type DeviceView } from './device.js';
import { installValidation, parseQuery } from './validation.js';

/**
 * Pages and API answers load nothing from elsewhere: scripts, styles, images and requests stay
 * on this origin (uploads are shown from blob: URLs). On-device mode compiles tfjs's WebAssembly
 * (`'wasm-unsafe-eval'`, which allows no JavaScript eval) and starts its wasm threads as workers
 * from blob: URLs the bundle makes.
 */
const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

declare module 'fastify' {
  interface FastifyInstance {
    /** The options the server was created with, every default filled in. */
    exprsim: ResolvedServeOptions;
    /** The web app's on-device mode: where the page loads it from, or why it is off. */
    exprsimDevice: DeviceView;
  }
}

/**
 * The HTTP API and web app as a fastify instance, not yet listening: tests call `inject` on
 * it, {@link listen} binds it. Closing it does not close the store, embedder or detector (the
 * caller owns them) but waits for model work in flight.
 *
 * Requests are checked by the route schemas (schemas.ts) before a handler runs.
 * Endpoints (all JSON; errors are `{error: {code, message, fix}}` with a 4xx/5xx status):
 * - GET  /api/health
 * - POST /api/faces: an image (raw image/jpeg|png|webp body or multipart field "image") →
 *   faces with boxes, scores, landmarks and embeddings
 * - GET  /api/photos?offset&limit&faces=1&status, /api/photos/:id, /api/photos/:id/faces,
 *   /api/photos/:id/image (only from inside the indexed root), /api/photos/by-path?path=
 * - GET  /api/faces/:id, /api/faces/:id/thumbnail
 * - POST /api/search {faceId | embedding, k <= 100} → neighbours, nearest first
 * - POST /api/odd-one-out {faceIds | embeddings: three}
 * - GET  /device/…: on-device mode's bundle, wasm and model files (device.ts), when on
 * - everything else: the web app's static files (web/)
 */
export async function createServer(options: ServeOptions): Promise<FastifyInstance> {
  const o = resolveServeOptions(options);
  const hide = pathHider([o.store.root]);
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit,
    requestTimeout: o.requestTimeoutMs,
    // A socket may be idle while its upload waits for and runs through the model queue.
    connectionTimeout: o.requestTimeoutMs + o.jobTimeoutMs,
    forceCloseConnections: 'idle',
    // fastify's own 503 while closing has its own body; the hook below answers in the API's.
    return503OnClosing: false,
    // Node looks for requests past requestTimeout only this often: by default every 30 s, which
    // let a request whose headers dribble in run to twice the limit before its 408.
    http: { connectionsCheckingInterval: Math.min(1000, o.requestTimeoutMs) },
    routerOptions: { querystringParser: parseQuery },
    // Errors fastify and Node raise outside the routes get the API's JSON body too.
    frameworkErrors: answerError(hide),
    clientErrorHandler: clientErrorHandler(o.requestTimeoutMs),
  });
  app.decorate('exprsim', o);
  // Node answers an Expect other than 100-continue with a bare 417; this one has the API's body.
  app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const { status, body } = toApiError(
      new HttpError(
        417,
        'E_BAD_REQUEST',
        `the Expect header ${JSON.stringify(String(req.headers.expect).slice(0, 60))} is not supported`,
        'send no Expect header, or Expect: 100-continue',
      ),
    );
    const json = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
      'x-content-type-options': 'nosniff',
      connection: 'close',
    });
    res.end(json);
  });
  const backbone = o.embedder?.model.manifest.backbone;
  const device = await deviceFiles(
    o.device,
    o.deviceOff,
    o.model,
    backbone === undefined || backbone === 'pixels' ? undefined : backbone.name,
  );
  const ctx: ServeContext = {
    options: o,
    hide,
    queue: createSerialQueue(o.maxQueue, o.jobTimeoutMs),
    device: device.view,
  };
  app.decorate('exprsimDevice', { getter: () => device.view });
  app.addHook('onClose', async () => {
    await ctx.queue.idle();
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('content-security-policy', CSP);
    // Cross-origin isolated pages (SharedArrayBuffer: tfjs's wasm threads); every resource is
    // this origin's own, and no other site may embed or open them.
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-embedder-policy', 'require-corp');
    reply.header('cross-origin-resource-policy', 'same-origin');
    return payload;
  });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== '/api/faces' && methods.includes('POST')) route.bodyLimit ??= JSON_BODY_LIMIT;
  });
  installErrorHandlers(app, hide);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_req, reply) => {
    if (!closing) return undefined;
    const { status, body } = toApiError(
      new HttpError(503, 'E_BUSY', 'the server is shutting down', 'retry in a moment'),
    );
    return reply.code(status).header('connection', 'close').send(body);
  });
  installAccessChecks(app, o);
  installBodyTimeout(app, o.requestTimeoutMs);
  installValidation(app);
  await registerUploadParsers(app, o.bodyLimit);

  registerHealthRoutes(app, ctx);
  registerFaceRoutes(app, ctx);
  registerPhotoRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerDeviceRoutes(app, device);

  if (o.webRoot !== false) {
    await app.register(fastifyStatic, {
      root: o.webRoot,
      prefix: '/',
      index: 'index.html',
      extensions: ['html'],
      cacheControl: true,
      maxAge: 0,
    });
  }
  return app;
}

/** Binds a server to its resolved host and port; returns its base URL (e.g. http://127.0.0.1:8080). */
export async function listen(app: FastifyInstance): Promise<string> {
  const { host, port } = app.exprsim;
  await app.listen({ host, port });
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${bound}`;
}
