// Requests the schemas and the error handler refuse: every field named with what it takes and a
// fix, JSON values taken as they are, and errors outside the routes (bad JSON, broken multipart,
// static-file paths, bad URLs, oversized headers, timeouts) in the API's one error shape.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorOf, loggedErrors, rawRequest } from '../../test/fixtures/serve/http.js';
import { buildIndexFixture } from '../../test/fixtures/serve/index-fixture.js';
import type { FaceRecord } from '../search/index.js';
import { createServer, listen } from './index.js';

const fx = await buildIndexFixture();
after(() => fx.cleanup());

const app = await createServer({
  store: fx.store,
  embedder: fx.embedder,
  detector: fx.detector,
  model: fx.model,
  webRoot: false,
});
after(() => app.close());

const post = (url: string, payload: unknown, a: FastifyInstance = app) =>
  a.inject({ method: 'POST', url, payload: payload as object });

const allFaces = async (): Promise<FaceRecord[]> => {
  const out: FaceRecord[] = [];
  for (const p of await fx.store.listPhotos()) out.push(...(await fx.store.facesOfPhoto(p.id)));
  return out;
};

test('schema validation: each bad field is a 400 naming the field, what it takes and a fix', async () => {
  const face = (await allFaces())[0];
  const emb = Array.from(face.embedding);
  const cases: [string, string, unknown, RegExp, RegExp][] = [
    [
      'POST',
      '/api/search',
      { faceId: face.id, k: 101 },
      /^k must be a whole number from 1 to 100, got 101$/,
      /leave it out for 10/,
    ],
    [
      'POST',
      '/api/search',
      { faceId: 'one' },
      /^faceId must be a whole number >= 1, got "one"$/,
      /GET \/api\/photos/,
    ],
    [
      'POST',
      '/api/search',
      {},
      /^the body must be a JSON object with exactly one of faceId and embedding, got \{\}$/,
      /"faceId": 12/,
    ],
    ['POST', '/api/search', [1, 2], /^the body must be a JSON object/, /application\/json/],
    [
      'POST',
      '/api/search',
      { embedding: [1, 2, 3] },
      /^embedding must be an array of 16 numbers .* got \[1,2,3\]$/,
      /same model/,
    ],
    [
      'POST',
      '/api/search',
      { embedding: [...emb.slice(1), 'x'] },
      /^embedding\[15\] must be a number within float32 range/,
      /plain numbers/,
    ],
    [
      'POST',
      '/api/search',
      { embedding: emb.map(() => 0) },
      /^embedding is all zeros$/,
      /non-zero/,
    ],
    // 1e-50 is not zero as a double but is as the float32 the index compares.
    [
      'POST',
      '/api/search',
      { embedding: emb.map(() => 1e-50) },
      /^embedding is all zeros$/,
      /non-zero/,
    ],
    [
      'POST',
      '/api/odd-one-out',
      { faceIds: [face.id, face.id, face.id + 1] },
      /^faceIds must be three different face ids, got \[/,
      /three different faces/,
    ],
    [
      'POST',
      '/api/odd-one-out',
      { faceIds: [1, 2] },
      /^faceIds must be three different face ids, got \[1,2\]$/,
      /"faceIds": \[3, 8, 12\]/,
    ],
    [
      'POST',
      '/api/odd-one-out',
      { faceIds: ['a', 2, 3] },
      /^faceIds\[0\] must be a whole number >= 1, got "a"$/,
      /GET \/api\/photos/,
    ],
    [
      'POST',
      '/api/odd-one-out',
      { embeddings: [[1], emb, emb] },
      /^embeddings\[0\] must be an array of 16 numbers/,
      /same model/,
    ],
    [
      'POST',
      '/api/odd-one-out',
      {},
      /^the body must be a JSON object with exactly one of faceIds and embeddings/,
      /"faceIds"/,
    ],
    [
      'GET',
      '/api/photos?limit=0',
      undefined,
      /^limit must be a whole number from 1 to 200, got 0$/,
      /leave it out for 50/,
    ],
    [
      'GET',
      '/api/photos?limit=abc',
      undefined,
      /^limit must be a whole number from 1 to 200, got "abc"$/,
      /leave it out/,
    ],
    // ajv reads "1e400" as Infinity and skips its range checks for it.
    [
      'GET',
      '/api/photos?offset=1e400',
      undefined,
      /^offset must be a whole number >= 0, got Infinity$/,
      /leave it out for 0/,
    ],
    [
      'GET',
      '/api/photos/1e400',
      undefined,
      /^photo id must be a whole number >= 1, got Infinity$/,
      /GET \/api\/photos/,
    ],
    [
      'GET',
      '/api/photos?offset=-1',
      undefined,
      /^offset must be a whole number >= 0, got -1$/,
      /leave it out for 0/,
    ],
    [
      'GET',
      '/api/photos?status=gone',
      undefined,
      /^status must be ok, no-face or failed, got "gone"$/,
      /every photo/,
    ],
    ['GET', '/api/photos/by-path', undefined, /^path is required$/, /\?path=/],
    [
      'GET',
      '/api/photos?limt=5',
      undefined,
      /^"limt" is not a parameter of this endpoint; it takes offset, limit, faces, embeddings, status$/,
      /pass only offset, limit, faces, embeddings and status/,
    ],
    [
      'GET',
      '/api/photos/by-path?path=a.jpg&x=1',
      undefined,
      /^"x" is not a parameter of this endpoint; it takes path$/,
      /\?path=/,
    ],
    [
      'GET',
      '/api/photos/abc',
      undefined,
      /^photo id must be a whole number >= 1, got "abc"$/,
      /GET \/api\/photos/,
    ],
    [
      'GET',
      '/api/photos/0/faces',
      undefined,
      /^photo id must be a whole number >= 1, got 0$/,
      /GET \/api\/photos/,
    ],
    [
      'GET',
      '/api/faces/-3/thumbnail',
      undefined,
      /^face id must be a whole number >= 1, got -3$/,
      /GET \/api\/photos/,
    ],
  ];
  for (const [method, url, payload, message, fix] of cases) {
    const r =
      method === 'POST' ? await post(url, payload) : await app.inject({ method: 'GET', url });
    const what = `${method} ${url} ${JSON.stringify(payload) ?? ''}`;
    assert.equal(r.statusCode, 400, `${what}: ${r.body}`);
    const e = errorOf(r);
    assert.equal(e.code, 'E_BAD_REQUEST', what);
    assert.match(e.message, message, what);
    assert.match(e.fix, fix, what);
  }
});

test('embeddings beyond float32 (1e39, 1e308) are refused with 400 by odd-one-out as by search', async () => {
  const emb = Array.from((await allFaces())[0].embedding);
  for (const big of [1e39, -1e39, 1e308]) {
    const v = [big, ...emb.slice(1)];
    const odd = await post('/api/odd-one-out', { embeddings: [emb, v, emb] });
    assert.equal(odd.statusCode, 400, `${big}: ${odd.body}`);
    assert.match(
      errorOf(odd).message,
      /^embeddings\[1\]\[0\] must be a number within float32 range/,
    );
    const search = await post('/api/search', { embedding: v });
    assert.equal(search.statusCode, 400, `${big}: ${search.body}`);
    assert.match(errorOf(search).message, /^embedding\[0\] must be a number within float32 range/);
  }
  // The largest float32 itself is a number the index can hold.
  const edge = await post('/api/odd-one-out', {
    embeddings: [emb, [3.4e38, ...emb.slice(1)], emb],
  });
  assert.equal(edge.statusCode, 200, edge.body);
  assert.ok(
    edge.json().distances.every((d: { distance: unknown }) => typeof d.distance === 'number'),
  );
  // Without a model the schema cannot know the size; the range holds all the same.
  const plain = await createServer({ store: fx.store, webRoot: false });
  try {
    const r = await post(
      '/api/odd-one-out',
      {
        embeddings: [
          [1e39, 1],
          [0, 1],
          [1, 0],
        ],
      },
      plain,
    );
    assert.equal(r.statusCode, 400);
    const mixed = await post(
      '/api/odd-one-out',
      {
        embeddings: [
          [1, 0],
          [0, 1],
          [1, 0, 0],
        ],
      },
      plain,
    );
    assert.equal(mixed.statusCode, 400);
    assert.match(errorOf(mixed).message, /same length/);
  } finally {
    await plain.close();
  }
});

test('JSON bodies take JSON numbers: booleans and numeric strings are not read as numbers', async () => {
  const face = (await allFaces())[0];
  const emb = Array.from(face.embedding);
  for (const payload of [
    { faceId: true },
    { faceId: String(face.id) },
    { faceId: face.id, k: '2' },
    { faceId: face.id, k: null },
    { embedding: emb.map(String) },
  ]) {
    const r = await post('/api/search', payload);
    assert.equal(r.statusCode, 400, `${JSON.stringify(payload)}: ${r.body}`);
    assert.equal(errorOf(r).code, 'E_BAD_REQUEST');
  }
  // k left out takes its default; unknown fields are ignored.
  const r = await post('/api/search', { faceId: face.id, note: 'x' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().k, 10);
});

test('query and path values: strings coerced to numbers; an empty value counts as left out', async () => {
  const page = await app.inject('/api/photos?offset=&limit=&status=');
  assert.equal(page.statusCode, 200, page.body);
  assert.deepEqual([page.json().offset, page.json().limit, page.json().total], [0, 50, 3]);
  const one = await app.inject('/api/photos?offset=2&limit=1');
  assert.equal(one.json().photos[0].path, 'grace_hopper.jpg');
  assert.equal(one.json().limit, 1);
  const twice = await app.inject('/api/photos?limit=1&limit=2');
  assert.equal(twice.statusCode, 400);
  assert.equal((await app.inject('/api/photos/by-path?path=')).statusCode, 400);
  const id = one.json().photos[0].id;
  const photo = await app.inject(`/api/photos/${id}`);
  assert.equal(photo.statusCode, 200);
  assert.equal(photo.json().id, id);
});

test('errors beside the schemas: bad JSON, an oversized JSON body, broken multipart → 4xx with a fix, never logged', async () => {
  const logged = await loggedErrors(async () => {
    const json = (body: string) =>
      app.inject({
        method: 'POST',
        url: '/api/search',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const bad = await json('{"faceId": ');
    assert.equal(bad.statusCode, 400);
    assert.match(errorOf(bad).message, /not valid JSON/);
    assert.match(errorOf(bad).fix, /JSON object/);
    const empty = await json('');
    assert.equal(empty.statusCode, 400);
    assert.equal(errorOf(empty).code, 'E_BAD_REQUEST');
    // An oversized JSON body is told to shrink the JSON, not the image.
    const big = await json(`{"faceId": 1, "pad": "${'x'.repeat(300 * 1024)}"}`);
    assert.equal(big.statusCode, 413);
    assert.equal(errorOf(big).code, 'E_BODY_TOO_LARGE');
    assert.match(errorOf(big).fix, /JSON body: at most 256 KiB/);

    const mp = (type: string, body: string | Buffer) =>
      app.inject({ method: 'POST', url: '/api/faces', headers: { 'content-type': type }, body });
    const noBoundary = await mp('multipart/form-data', 'xx');
    assert.equal(noBoundary.statusCode, 400, noBoundary.body);
    assert.match(errorOf(noBoundary).message, /multipart body is malformed/);
    const part = (name: string) =>
      `--b\r\nContent-Disposition: form-data; name="${name}"; filename="a.jpg"\r\n` +
      'Content-Type: image/jpeg\r\n\r\n';
    const cut = await mp('multipart/form-data; boundary=b', `${part('image')}abc`);
    assert.equal(cut.statusCode, 400, cut.body);
    assert.equal(errorOf(cut).code, 'E_BAD_REQUEST');
    const twoFiles = await mp(
      'multipart/form-data; boundary=b',
      `${part('image')}abc\r\n${part('image')}abc\r\n--b--\r\n`,
    );
    assert.equal(twoFiles.statusCode, 413, twoFiles.body);
    assert.equal(errorOf(twoFiles).code, 'E_TOO_MANY_FILES');
    assert.match(errorOf(twoFiles).message, /more than one file/);
    assert.match(errorOf(twoFiles).fix, /one image per request/);
    const field = (name: string) =>
      `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\nv\r\n`;
    const fields = await mp(
      'multipart/form-data; boundary=b',
      `${Array.from({ length: 12 }, (_, i) => field(`f${i}`)).join('')}--b--\r\n`,
    );
    assert.equal(fields.statusCode, 413, fields.body);
    assert.equal(errorOf(fields).code, 'E_TOO_MANY_FIELDS');
    assert.match(errorOf(fields).fix, /at most 10 other fields/);
  });
  assert.deepEqual(logged, []);
});

test("a real socket: static-file 403/400, a bad URL, 431, non-HTTP bytes and 408 are the API's JSON errors", async () => {
  const live = await createServer({ store: fx.store, port: 0, requestTimeoutMs: 400 });
  try {
    const port = Number(new URL(await listen(live)).port);
    const get = (path: string, headers = '') =>
      rawRequest(
        port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`,
      );
    const logged = await loggedErrors(async () => {
      for (const [path, status, code] of [
        ['/../../etc/passwd', 403, 'E_OUTSIDE_ROOT'],
        ['/%2e%2e/package.json', 403, 'E_OUTSIDE_ROOT'],
        ['/%00', 400, 'E_BAD_REQUEST'],
        ['/%E0%A4%A', 400, 'E_BAD_REQUEST'],
      ] as const) {
        const r = await get(path);
        assert.equal(r.status, status, `${path}: ${r.body}`);
        assert.match(r.headers, /content-type: application\/json/);
        assert.equal(errorOf(r.body).code, code, path);
        assert.ok(!r.body.includes(fx.dir), r.body);
      }
      const headers = await get('/api/health', `X-Big: ${'a'.repeat(20_000)}\r\n`);
      assert.equal(headers.status, 431);
      assert.match(errorOf(headers.body).message, /headers are over 16 KiB/);
      const garbage = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
      assert.equal(garbage.status, 400);
      assert.equal(errorOf(garbage.body).code, 'E_BAD_REQUEST');
      // Headers that never finish: 408 within the (shortened) request timeout, not 30 s later.
      const t0 = performance.now();
      const slow = await rawRequest(port, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n', 5000);
      assert.equal(slow.status, 408);
      assert.equal(errorOf(slow.body).code, 'E_TIMEOUT');
      assert.ok(
        performance.now() - t0 < 3000,
        `408 after ${(performance.now() - t0).toFixed(0)} ms`,
      );
    });
    assert.deepEqual(logged, []);
  } finally {
    await live.close();
  }
});

/** Sends `head`, then one byte of the body every 100 ms; resolves with all it got back. */
function dribble(port: number, head: string, giveUpMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const t0 = performance.now();
    socket.on('data', (d) => (got += d.toString('utf8')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve(got);
    });
    socket.write(head);
    const timer = setInterval(() => {
      if (performance.now() - t0 > giveUpMs) socket.destroy();
      else if (socket.writable) socket.write('a');
    }, 100);
  });
}

test('a body that dribbles in is cut at requestTimeoutMs with a 408 in the API shape (raw, multipart, JSON)', async () => {
  const live = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    port: 0,
    requestTimeoutMs: 1000,
    webRoot: false,
  });
  try {
    const port = Number(new URL(await listen(live)).port);
    const part =
      '--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n' +
      'Content-Type: image/jpeg\r\n\r\n';
    const logged = await loggedErrors(async () => {
      for (const [url, type, start] of [
        ['/api/faces', 'image/jpeg', '\xff\xd8'],
        ['/api/faces', 'multipart/form-data; boundary=b', part],
        ['/api/search', 'application/json', '{"faceId": '],
      ]) {
        const t0 = performance.now();
        const got = await dribble(
          port,
          `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\n` +
            `Content-Length: 100000\r\n\r\n${start}`,
          8000,
        );
        const ms = performance.now() - t0;
        assert.match(got, /^HTTP\/1\.1 408 /, `${type}: ${JSON.stringify(got)}`);
        assert.ok(ms > 900 && ms < 3000, `${type}: 408 after ${ms.toFixed(0)} ms`);
        const e = errorOf(got.slice(got.indexOf('\r\n\r\n') + 4));
        assert.equal(e.code, 'E_TIMEOUT');
        assert.equal(e.message, 'the request did not arrive within 1 s');
      }
    });
    assert.deepEqual(logged, []);
    // A request sent in time is not cut, and the server still answers.
    const h = await fetch(`http://127.0.0.1:${port}/api/health`);
    assert.equal(h.status, 200);
  } finally {
    await live.close();
  }
});
