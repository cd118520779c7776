// Who may talk to the server. A page on another site must not use it through the visitor's
// browser: requests must name this server in their Host header (DNS rebinding points a foreign
// name at 127.0.0.1), state-changing requests from another origin are refused, and a server
// reachable beyond this machine needs a token (Authorization: Bearer, a cookie the web app gets
// from `/?token=…`, or `?token=` on any request).
import { createHash, timingSafeEqual } from 'node:crypto';
import { networkInterfaces, hostname } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { printable } from '../core/printable.js';
import { HttpError, toApiError } from './errors.js';
import { hostHeaderName } from './hosts.js';

/** The cookie that carries the token for the web app (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'exprsim_token';
/** The query parameter a token may come in (`/?token=…` sets the cookie and redirects). */
export const TOKEN_PARAM = 'token';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The host names requests may name: the loopback names, the bound `host`, `extra`, and when
 * bound to every interface (0.0.0.0, ::) this machine's name and addresses.
 */
export function allowedHostNames(host: string, extra: readonly string[] = []): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, hostHeaderName(host), ...extra.map(hostHeaderName)]);
  if (WILDCARDS.has(hostHeaderName(host).replace(/^\[|\]$/g, '')) || WILDCARDS.has(host)) {
    names.add(hostHeaderName(hostname()));
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(hostHeaderName(a.address.replace(/%.*$/, '')));
    }
  }
  return names;
}

/** A Host header → its name and port, or undefined when it is not `name[:port]`. */
function parseHost(header: string): { name: string; port?: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (m === null) return undefined;
  return { name: hostHeaderName(m[1]), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/** A header value as a message quotes it: JSON, cut short. */
function quoted(value: string): string {
  const s = printable(JSON.stringify(value));
  return s.length > 80 ? `${s.slice(0, 77)}…"` : s;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** The value of one cookie of a Cookie header. */
function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The query of a URL without `token`, for the redirect that takes it out of the address bar. */
function withoutToken(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  params.delete(TOKEN_PARAM);
  const rest = params.toString();
  // Never `//host`: a protocol-relative Location would leave this server.
  const safe = path.startsWith('/') && !path.startsWith('//') ? path : '/';
  return rest === '' ? safe : `${safe}?${rest}`;
}

export interface AccessOptions {
  /** The address the server binds. */
  host: string;
  /** Host names requests may name besides the loopback ones and `host`. */
  allowedHosts: readonly string[];
  /** The token every request must carry; none: no token asked. */
  token?: string;
}

function refuse(reply: FastifyReply, e: HttpError) {
  const { status, body } = toApiError(e);
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="exprsim"');
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/**
 * The checks, before anything else runs for a request (bodies are not read for refused ones):
 * the Host (421 E_BAD_HOST), the token (401 E_UNAUTHORIZED), the Origin of state-changing
 * requests (403 E_BAD_ORIGIN).
 */
export function installAccessChecks(app: FastifyInstance, o: AccessOptions): void {
  const names = allowedHostNames(o.host, o.allowedHosts);
  const shown = [...names].slice(0, 6).join(', ');
  const wanted = o.token === undefined ? undefined : digest(o.token);
  const tokenOk = (t: string | undefined) =>
    wanted !== undefined && t !== undefined && timingSafeEqual(digest(t), wanted);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.host;
    // A request line in absolute form (`GET http://evil.example/api/health`) names its host
    // there, which then counts instead of the Host header (RFC 9112, 3.2.2).
    const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(req.url)?.[1];
    // HTTP/1.1 requires a Host (Node refuses requests without); browsers always send one.
    for (const named of [header, absolute]) {
      if (named === undefined) continue;
      // Any port: behind a proxy the port a client names is not the one bound.
      const h = parseHost(named);
      if (h === undefined || !names.has(h.name)) {
        return refuse(
          reply,
          new HttpError(
            421,
            'E_BAD_HOST',
            `this server does not answer to the host ${quoted(named)}`,
            `address it by a name it answers to: ${shown}`,
          ),
        );
      }
    }

    if (wanted !== undefined) {
      const auth = req.headers.authorization;
      const bearer = auth === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
      const q = req.url.indexOf('?');
      const fromQuery =
        q < 0
          ? undefined
          : (new URLSearchParams(req.url.slice(q + 1)).get(TOKEN_PARAM) ?? undefined);
      const ok =
        tokenOk(bearer) || tokenOk(cookie(req.headers.cookie, TOKEN_COOKIE)) || tokenOk(fromQuery);
      if (!ok) {
        const given =
          bearer !== undefined ||
          fromQuery !== undefined ||
          req.headers.cookie?.includes(`${TOKEN_COOKIE}=`);
        return refuse(
          reply,
          new HttpError(
            401,
            'E_UNAUTHORIZED',
            given ? "the token is not this server's" : 'this server needs its token',
            'send Authorization: Bearer <token>, or open /?token=<token> once in the browser (the page keeps it in a cookie); the token is the one the server was started with (exprsim serve --token, or EXPRSIM_TOKEN)',
          ),
        );
      }
      // A page opened with ?token=: keep the token in a cookie and take it out of the address.
      if (tokenOk(fromQuery) && req.method === 'GET' && !req.url.startsWith('/api/')) {
        return reply
          .code(303)
          .header(
            'set-cookie',
            `${TOKEN_COOKIE}=${encodeURIComponent(o.token!)}; HttpOnly; SameSite=Strict; Path=/`,
          )
          .header('location', withoutToken(req.url))
          .header('cache-control', 'no-store')
          .send();
      }
    }

    if (STATE_CHANGING.has(req.method)) {
      const origin = req.headers.origin;
      // No Origin: not a browser's cross-site request (curl, scripts); browsers send it on POST.
      if (origin !== undefined && !sameOrigin(origin, header)) {
        return refuse(
          reply,
          new HttpError(
            403,
            'E_BAD_ORIGIN',
            `${req.method} from another origin (${quoted(origin)}) is refused`,
            'send it from the pages this server serves, or from a client that sends no Origin header (curl, scripts)',
          ),
        );
      }
    }
    return undefined;
  });
}

/** An Origin header naming the host and port of the request's Host header. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  const h = host === undefined ? undefined : parseHost(host);
  if (h === undefined) return false;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const defaultPort = u.protocol === 'https:' ? 443 : 80;
  const port = u.port === '' ? defaultPort : Number(u.port);
  return hostHeaderName(u.hostname) === h.name && port === (h.port ?? defaultPort);
}
