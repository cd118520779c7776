// Node's requestTimeout does not cut a request whose headers arrived but whose body dribbles in
// (a byte a second keeps an upload open for as long as the client likes): each request with a
// body gets a timer from its start, and one not received in time is answered 408 and closed.
import type { FastifyInstance } from 'fastify';
import { requestTimeoutError, toApiError } from './errors.js';

/**
 * Cuts requests whose body is not in within `ms` of the request's start: the answer is the
 * API's 408 (E_TIMEOUT), then the connection is closed, which ends the body parser's wait.
 */
export function installBodyTimeout(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', (req, reply, done) => {
    const raw = req.raw;
    // `complete`: the parser has the whole message (every request without a body).
    if (raw.complete) return done();
    const timer = setTimeout(() => {
      if (raw.complete || reply.raw.headersSent || raw.socket.destroyed) return;
      const { status, body } = toApiError(requestTimeoutError(ms));
      const json = JSON.stringify(body);
      // fastify must not answer this request again when its body parser fails.
      reply.hijack();
      reply.raw.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(json),
        'x-content-type-options': 'nosniff',
        connection: 'close',
      });
      reply.raw.end(json, () => raw.socket.destroy());
    }, ms);
    timer.unref();
    const stop = () => clearTimeout(timer);
    raw.once('end', stop);
    raw.once('close', stop);
    reply.raw.once('close', stop);
    done();
  });
}
