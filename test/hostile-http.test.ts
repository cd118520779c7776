// Hostile HTTP against a real listening server over a real SQLite index (the sample photos): raw
// bytes over a socket, so paths are not normalised and headers are sent as written. Every answer
// must be a 4xx in the API's one error shape (a code, a one-line message, a fix), with no stack
// trace and no server path, nothing logged as a server fault, and the index intact afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildIndexFixture } from './fixtures/serve/index-fixture.js';
import { loggedErrors } from './fixtures/serve/http.js';
import { pngBomb, pngHeaderOnly } from './fixtures/serve/png.js';
import { REPO } from './helpers.js';
import { createServer, listen } from '../src/serve/index.js';

const fx = await buildIndexFixture();
after(() => fx.cleanup());

const TOKEN = 'hostile-test-token';
const app = await createServer({
  store: fx.store,
  embedder: fx.embedder,
  detector: fx.detector,
  model: fx.model,
  port: 0,
  requestTimeoutMs: 1000,
});
const guarded = await createServer({ store: fx.store, port: 0, token: TOKEN, webRoot: false });
after(() => app.close());
after(() => guarded.close());
const port = Number(new URL(await listen(app)).port);
const guardedPort = Number(new URL(await listen(guarded)).port);

const astronaut = await readFile(join(fx.root, 'astronaut.jpg'));
const face = (await fx.store.facesOfPhoto((await fx.store.listPhotos())[0].id))[0];
const emb = Array.from(face.embedding);

interface Answer {
  status: number;
  head: string;
  body: string;
}

/** One exchange over a fresh socket: `head` as written (CRLFs and all), then `body`. */
function exchange(p: number, head: string, body: Buffer = Buffer.alloc(0)): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(p, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in 10 s to ${JSON.stringify(head.slice(0, 60))}`));
    }, 10_000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const got = Buffer.concat(chunks).toString('utf8');
      const at = got.indexOf('\r\n\r\n');
      const headText = at < 0 ? got : got.slice(0, at);
      resolve({
        status: Number(headText.split(' ')[1]),
        head: headText.toLowerCase(),
        body: at < 0 ? '' : got.slice(at + 4),
      });
    });
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  });
}

const HOST = '127.0.0.1';

function get(path: string, headers = '', p = port): Promise<Answer> {
  return exchange(
    p,
    `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\n${headers}Connection: close\r\n\r\n`,
  );
}

function post(
  path: string,
  type: string,
  body: Buffer | string,
  headers = '',
  p = port,
): Promise<Answer> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return exchange(
    p,
    `POST ${path} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: ${type}\r\n` +
      `Content-Length: ${bytes.length}\r\n${headers}Connection: close\r\n\r\n`,
    bytes,
  );
}

const json = (path: string, value: unknown, headers = '') =>
  post(path, 'application/json', JSON.stringify(value), headers);

const part = (name: string, file?: string) =>
  `--b\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"` : ''}\r\n` +
  (file ? 'Content-Type: image/jpeg\r\n' : '') +
  '\r\n';

/** A PNG signature and an IHDR chunk whose bytes (and CRC) are garbage. */
const corruptPng = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452deadbeefdeadbeef0802000000badc0ffe', 'hex'),
  Buffer.alloc(200, 0x5a),
]);

/** Each: what it is, the request, the status and code it must get. */
const CASES: [string, () => Promise<Answer>, number, string][] = [
  // Paths leading out of the web root or the indexed folder.
  ['raw ../ out of the web root', () => get('/../../../etc/passwd'), 403, 'E_OUTSIDE_ROOT'],
  ['%2e%2e out of the web root', () => get('/%2e%2e/%2e%2e/package.json'), 403, 'E_OUTSIDE_ROOT'],
  [
    '..%2f inside a static path',
    () => get('/js/..%2f..%2f..%2fpackage.json'),
    403,
    'E_OUTSIDE_ROOT',
  ],
  [
    'by-path ../ to the database',
    () => get('/api/photos/by-path?path=../faces.sqlite'),
    403,
    'E_OUTSIDE_ROOT',
  ],
  [
    'by-path absolute path',
    () => get('/api/photos/by-path?path=%2Fetc%2Fpasswd'),
    403,
    'E_OUTSIDE_ROOT',
  ],
  [
    'by-path with a NUL byte',
    () => get('/api/photos/by-path?path=camera.jpg%00.png'),
    400,
    'E_BAD_REQUEST',
  ],
  ['NUL in the path', () => get('/%00'), 400, 'E_BAD_REQUEST'],
  ['bad percent-encoding', () => get('/api/photos/%E0%A4%A'), 400, 'E_BAD_REQUEST'],
  // Who is asking.
  [
    'a foreign Host (DNS rebinding)',
    () =>
      exchange(
        port,
        `GET /api/health HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`,
      ),
    421,
    'E_BAD_HOST',
  ],
  [
    'a Host that starts like loopback',
    () =>
      exchange(
        port,
        `GET /api/photos HTTP/1.1\r\nHost: 127.0.0.1.evil.test:${port}\r\nConnection: close\r\n\r\n`,
      ),
    421,
    'E_BAD_HOST',
  ],
  [
    'an absolute-form request line naming another host',
    () =>
      exchange(
        port,
        `GET http://evil.example/api/health HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
      ),
    421,
    'E_BAD_HOST',
  ],
  [
    'cross-origin search',
    () => json('/api/search', { faceId: face.id }, 'Origin: http://evil.example\r\n'),
    403,
    'E_BAD_ORIGIN',
  ],
  [
    'cross-origin upload',
    () => post('/api/faces', 'image/jpeg', astronaut, 'Origin: null\r\n'),
    403,
    'E_BAD_ORIGIN',
  ],
  [
    'no token where one is required',
    () => get('/api/health', '', guardedPort),
    401,
    'E_UNAUTHORIZED',
  ],
  [
    'a wrong Bearer token',
    () => get('/api/health', 'Authorization: Bearer not-the-token\r\n', guardedPort),
    401,
    'E_UNAUTHORIZED',
  ],
  [
    'a wrong ?token= and cookie',
    () => get('/?token=nope', 'Cookie: exprsim_token=nope\r\n', guardedPort),
    401,
    'E_UNAUTHORIZED',
  ],
  // JSON bodies.
  [
    'a 300 KiB JSON body',
    () => post('/api/search', 'application/json', `{"faceId":1,"pad":"${'x'.repeat(300 * 1024)}"}`),
    413,
    'E_BODY_TOO_LARGE',
  ],
  [
    'invalid JSON',
    () => post('/api/search', 'application/json', '{"faceId": '),
    400,
    'E_BAD_REQUEST',
  ],
  ['an empty JSON body', () => post('/api/search', 'application/json', ''), 400, 'E_BAD_REQUEST'],
  [
    'a __proto__ key',
    () => post('/api/search', 'application/json', '{"__proto__": {"faceId": 1}}'),
    400,
    'E_BAD_REQUEST',
  ],
  [
    'NaN in an embedding (not JSON)',
    () => post('/api/search', 'application/json', `{"embedding": [NaN${',0.1'.repeat(15)}]}`),
    400,
    'E_BAD_REQUEST',
  ],
  [
    '1e39 in an embedding',
    () => json('/api/search', { embedding: [1e39, ...emb.slice(1)] }),
    400,
    'E_BAD_REQUEST',
  ],
  [
    'an embedding of the wrong length',
    () => json('/api/search', { embedding: [0.5, 0.5] }),
    400,
    'E_BAD_REQUEST',
  ],
  [
    'faceId as a string',
    () => json('/api/search', { faceId: String(face.id) }),
    400,
    'E_BAD_REQUEST',
  ],
  ['k negative', () => json('/api/search', { faceId: face.id, k: -1 }), 400, 'E_BAD_REQUEST'],
  ['a JSON array', () => json('/api/odd-one-out', [1, 2, 3]), 400, 'E_BAD_REQUEST'],
  [
    'the same face three times',
    () => json('/api/odd-one-out', { faceIds: [face.id, face.id, face.id] }),
    400,
    'E_BAD_REQUEST',
  ],
  [
    'JSON as form data',
    () => post('/api/search', 'application/x-www-form-urlencoded', 'faceId=1'),
    415,
    'E_UNSUPPORTED_MEDIA_TYPE',
  ],
  // Uploads.
  [
    'multipart without a boundary',
    () => post('/api/faces', 'multipart/form-data', 'xx'),
    400,
    'E_BAD_REQUEST',
  ],
  [
    'multipart cut short',
    () => post('/api/faces', 'multipart/form-data; boundary=b', `${part('image', 'a.jpg')}abc`),
    400,
    'E_BAD_REQUEST',
  ],
  [
    'multipart with two files',
    () =>
      post(
        '/api/faces',
        'multipart/form-data; boundary=b',
        `${part('image', 'a.jpg')}abc\r\n${part('image', 'b.jpg')}abc\r\n--b--\r\n`,
      ),
    413,
    'E_TOO_MANY_FILES',
  ],
  [
    'multipart with 20 fields',
    () =>
      post(
        '/api/faces',
        'multipart/form-data; boundary=b',
        `${Array.from({ length: 20 }, (_, i) => `${part(`f${i}`)}v\r\n`).join('')}--b--\r\n`,
      ),
    413,
    'E_TOO_MANY_FIELDS',
  ],
  [
    'text as an image',
    () => post('/api/faces', 'image/png', 'this is not an image'),
    415,
    'E_NOT_AN_IMAGE',
  ],
  [
    'text/plain upload',
    () => post('/api/faces', 'text/plain', 'hello'),
    415,
    'E_UNSUPPORTED_MEDIA_TYPE',
  ],
  ['an empty upload', () => post('/api/faces', 'image/jpeg', ''), 400, 'E_BAD_REQUEST'],
  ['a corrupt PNG', () => post('/api/faces', 'image/png', corruptPng), 422, 'E_IMAGE_DECODE'],
  [
    'a truncated JPEG',
    () => post('/api/faces', 'image/jpeg', astronaut.subarray(0, 3000)),
    422,
    'E_IMAGE_DECODE',
  ],
  [
    'a 20000x20000 PNG header',
    () => post('/api/faces', 'image/png', pngHeaderOnly(20000, 20000)),
    413,
    'E_IMAGE_TOO_LARGE',
  ],
  [
    'a decompression bomb',
    () => post('/api/faces', 'image/png', pngBomb(10000, 10000)),
    413,
    'E_IMAGE_TOO_LARGE',
  ],
  [
    'a body that dribbles in',
    () =>
      exchange(
        port,
        `POST /api/faces HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: image/jpeg\r\nContent-Length: 50000\r\n\r\n`,
        astronaut.subarray(0, 100),
      ),
    408,
    'E_TIMEOUT',
  ],
  // Queries, ids, methods, framing.
  ['an unknown query parameter', () => get('/api/photos?limt=5'), 400, 'E_BAD_REQUEST'],
  ['a repeated query parameter', () => get('/api/photos?limit=1&limit=2'), 400, 'E_BAD_REQUEST'],
  ['a status not listed', () => get('/api/photos?status=%3Cscript%3E'), 400, 'E_BAD_REQUEST'],
  ['a non-numeric id', () => get('/api/photos/abc'), 400, 'E_BAD_REQUEST'],
  ['an offset of 1e400 (Infinity)', () => get('/api/photos?offset=1e400'), 400, 'E_BAD_REQUEST'],
  [
    'an Expect header Node does not know',
    () => get('/api/health', 'Expect: teapot\r\n'),
    417,
    'E_BAD_REQUEST',
  ],
  ['an id past 2^53', () => get('/api/faces/99999999999999999999'), 400, 'E_BAD_REQUEST'],
  ['an unknown id', () => get('/api/faces/999999/thumbnail'), 404, 'E_NOT_FOUND'],
  ['POST to a GET route', () => json('/api/health', {}), 404, 'E_NOT_FOUND'],
  [
    'headers over 16 KiB',
    () => get('/api/health', `X-Big: ${'a'.repeat(20_000)}\r\n`),
    431,
    'E_BAD_REQUEST',
  ],
  [
    'bytes that are not HTTP',
    () => exchange(port, 'HELLO\x00\x01 WORLD\r\n\r\n'),
    400,
    'E_BAD_REQUEST',
  ],
  [
    'Content-Length and Transfer-Encoding both (smuggling)',
    () =>
      exchange(
        port,
        `POST /api/search HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\n` +
          'Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
      ),
    400,
    'E_BAD_REQUEST',
  ],
];

/** The strings no answer may contain: server paths, whatever the client sent. */
const SERVER_PATHS = [fx.dir, fx.root, tmpdir(), REPO.replace(/\/$/, ''), '/work/', '/home/'];

test(
  `${CASES.length} hostile requests: each a 4xx in the API's error shape, no stack, no server path; the index intact`,
  { timeout: 120_000 },
  async () => {
    assert.ok(CASES.length >= 25);
    const logged = await loggedErrors(async () => {
      for (const [what, send, status, code] of CASES) {
        const r = await send();
        assert.equal(r.status, status, `${what}: ${r.status} ${r.body}`);
        assert.ok(r.status >= 400 && r.status < 500, what);
        assert.match(r.head, /content-type: application\/json/, what);
        let parsed: { error?: { code?: unknown; message?: unknown; fix?: unknown } };
        try {
          parsed = JSON.parse(r.body) as typeof parsed;
        } catch {
          assert.fail(`${what}: not JSON: ${r.body}`);
        }
        assert.deepEqual(Object.keys(parsed), ['error'], what);
        const e = parsed.error!;
        assert.deepEqual(Object.keys(e).sort(), ['code', 'fix', 'message'], `${what}: ${r.body}`);
        assert.equal(e.code, code, `${what}: ${r.body}`);
        for (const field of [e.message, e.fix]) {
          assert.equal(typeof field, 'string', what);
          const text = field as string;
          assert.ok(text.length > 0 && text.length < 400, `${what}: ${text}`);
          assert.ok(!/[\r\n]/.test(text), `${what}: one line: ${JSON.stringify(text)}`);
        }
        assert.doesNotMatch(
          r.body,
          /\bat [\w.<>]+ \(|\bat (file|node):|\.ts:\d+/,
          `${what}: a stack trace`,
        );
        for (const p of SERVER_PATHS)
          assert.ok(!r.body.includes(p), `${what}: names ${p}: ${r.body}`);
        // Library hints an HTTP client cannot act on.
        assert.doesNotMatch(e.fix as string, /readImage|failOn|maxPixels|pass \{/, what);
      }
    });
    assert.deepEqual(logged, [], 'no hostile request is a server fault');

    // The server still serves, and the index is intact.
    const health = await get('/api/health');
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { store: { photos: number } }).store.photos, 3);
    const db = new Database(join(fx.dir, 'faces.sqlite'), { readonly: true });
    try {
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    } finally {
      db.close();
    }
  },
);
