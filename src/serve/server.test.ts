// The HTTP API over a small real index (the sample photos, an untrained model): every endpoint,
// every kind of bad input, and one test over a real socket on 127.0.0.1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildIndexFixture } from '../../test/fixtures/serve/index-fixture.js';
import { pngBomb, pngHeaderOnly } from '../../test/fixtures/serve/png.js';
import { setLogSink } from '../core/logger.js';
import { oddOneOut, type FaceRecord } from '../search/index.js';
import {
  createServer,
  listen,
  resolveServeOptions,
  DEFAULT_SERVE_HOST,
  MAX_SEARCH_K,
} from './index.js';

const fx = await buildIndexFixture();
after(() => fx.cleanup());

const BODY_LIMIT = 2 * 1024 * 1024;
const app = await createServer({
  store: fx.store,
  embedder: fx.embedder,
  detector: fx.detector,
  model: fx.model,
  bodyLimit: BODY_LIMIT,
});
after(() => app.close());

const astronaut = await readFile(join(fx.root, 'astronaut.jpg'));

interface ErrorBody {
  code: string;
  message: string;
  fix: string;
}

/** The error of an answer, which always has the API's shape: a code, a message and a fix. */
function errorOf(r: LightMyRequestResponse | string): ErrorBody {
  const body = JSON.parse(typeof r === 'string' ? r : r.body) as { error: ErrorBody };
  assert.ok(body.error, `an error body: ${typeof r === 'string' ? r : r.body}`);
  assert.match(body.error.code, /^E_[A-Z_]+$/);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(typeof body.error.fix, 'string', `a fix: ${JSON.stringify(body.error)}`);
  assert.ok(body.error.fix.length > 0);
  return body.error;
}

const post = (url: string, payload: unknown, a: FastifyInstance = app) =>
  a.inject({ method: 'POST', url, payload: payload as object });

/** Lines the library logged as errors while `fn` ran: client errors must leave none. */
async function loggedErrors(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  setLogSink((level, message) => {
    if (level === 'error') lines.push(message);
  });
  try {
    await fn();
  } finally {
    setLogSink(undefined);
  }
  return lines;
}

/** One raw HTTP exchange over a socket (paths and headers no HTTP client would send). */
function rawRequest(
  port: number,
  text: string,
  timeoutMs = 5000,
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in ${timeoutMs} ms to ${JSON.stringify(text.slice(0, 40))}`));
    }, timeoutMs);
    socket.on('data', (d) => (got += d.toString('utf8')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const [head, ...rest] = got.split('\r\n\r\n');
      resolve({
        status: Number(head.split(' ')[1]),
        headers: head.toLowerCase(),
        body: rest.join('\r\n\r\n'),
      });
    });
    socket.write(text);
  });
}

function upload(body: Buffer | string, type = 'image/jpeg', a: FastifyInstance = app) {
  return a.inject({ method: 'POST', url: '/api/faces', headers: { 'content-type': type }, body });
}

function multipart(field: string, filename: string, bytes: Buffer) {
  const boundary = '----exprsim-test-boundary';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
        'Content-Type: image/jpeg\r\n\r\n',
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return app.inject({
    method: 'POST',
    url: '/api/faces',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
}

const allFaces = async (): Promise<FaceRecord[]> => {
  const out: FaceRecord[] = [];
  for (const p of await fx.store.listPhotos()) out.push(...(await fx.store.facesOfPhoto(p.id)));
  return out;
};

test('options: documented defaults, resolved once; bad values are E_BAD_OPTION', () => {
  const o = resolveServeOptions({ store: fx.store });
  assert.equal(o.host, DEFAULT_SERVE_HOST);
  assert.equal(o.host, '127.0.0.1');
  assert.equal(o.port, 8080);
  assert.equal(o.bodyLimit, 20 * 1024 * 1024);
  assert.equal(o.maxPixels, 25_000_000);
  assert.equal(app.exprsim.bodyLimit, BODY_LIMIT);
  assert.throws(() => resolveServeOptions({ store: fx.store, port: 70000 }), {
    code: 'E_BAD_OPTION',
  });
  assert.throws(() => resolveServeOptions({ store: fx.store, bodyLimit: 0 }), {
    code: 'E_BAD_OPTION',
  });
  assert.throws(() => resolveServeOptions({ store: fx.store, embedder: fx.embedder }), {
    code: 'E_BAD_OPTION',
  });
});

test('GET /api/health: the index, the model and the limits', async () => {
  const r = await app.inject('/api/health');
  assert.equal(r.statusCode, 200);
  const h = r.json();
  assert.equal(h.ok, true);
  assert.equal(h.store.kind, 'sqlite');
  assert.equal(h.store.photos, 3);
  assert.ok(h.store.faces >= 3);
  assert.equal(h.uploads, true);
  assert.equal(h.model, fx.model);
  assert.equal(h.embeddingSize, 16);
  assert.equal(h.limits.bodyBytes, BODY_LIMIT);
  assert.match(r.headers['content-security-policy'] as string, /default-src 'self'/);
});

test('POST /api/faces: raw JPEG → faces with boxes, scores, landmarks, unit embeddings', async () => {
  const r = await upload(astronaut);
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json();
  assert.equal(body.width, 512);
  assert.equal(body.height, 512);
  assert.equal(body.model, fx.model);
  assert.equal(body.faces.length, 1);
  const f = body.faces[0];
  assert.ok(f.box.width > 40 && f.box.height > 40);
  assert.ok(f.score > 0.9);
  assert.equal(f.landmarks.length, 5);
  assert.equal(f.embedding.length, 16);
  assert.ok(Math.abs(Math.hypot(...f.embedding) - 1) < 1e-4);
  // The same photo in the index has (nearly) the same embedding.
  const s = await app.inject({
    method: 'POST',
    url: '/api/search',
    payload: { embedding: f.embedding, k: 1 },
  });
  assert.equal(s.json().neighbours[0].face.path, 'astronaut.jpg');
  assert.ok(s.json().neighbours[0].distance < 1e-3);
});

test('POST /api/faces: multipart field "image" works; another field is a clear 400', async () => {
  const ok = await multipart('image', 'a.jpg', astronaut);
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().faces.length, 1);
  const wrong = await multipart('photo', 'a.jpg', astronaut);
  assert.equal(wrong.statusCode, 400);
  assert.match(errorOf(wrong).message, /no file field "image"/);
});

test('bad uploads: wrong content type, non-image bytes, empty, corrupt → clear 4xx codes', async () => {
  const text = await upload('hello', 'text/plain');
  assert.equal(text.statusCode, 415);
  assert.equal(errorOf(text).code, 'E_UNSUPPORTED_MEDIA_TYPE');
  assert.ok(errorOf(text).fix.includes('image/jpeg'));

  const octets = await upload('hello', 'application/octet-stream');
  assert.equal(octets.statusCode, 415);
  assert.equal(errorOf(octets).code, 'E_UNSUPPORTED_MEDIA_TYPE');
  assert.match(errorOf(octets).message, /application\/octet-stream/);

  const json = await app.inject({ method: 'POST', url: '/api/faces', payload: { a: 1 } });
  assert.equal(json.statusCode, 415);

  const notImage = await upload('this is not an image at all', 'image/png');
  assert.equal(notImage.statusCode, 415);
  assert.equal(errorOf(notImage).code, 'E_NOT_AN_IMAGE');

  const gif = await upload(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'image/png');
  assert.equal(errorOf(gif).code, 'E_NOT_AN_IMAGE');
  assert.match(errorOf(gif).message, /GIF/);

  const empty = await upload(Buffer.alloc(0), 'image/jpeg');
  assert.equal(empty.statusCode, 400);
  assert.match(errorOf(empty).message, /empty/);

  const truncated = await upload(astronaut.subarray(0, 4000), 'image/jpeg');
  assert.equal(truncated.statusCode, 422);
  assert.equal(errorOf(truncated).code, 'E_IMAGE_DECODE');
  // No server path or '<buffer>' leaks into answers.
  for (const r of [text, notImage, empty, truncated]) {
    assert.ok(!r.body.includes(fx.dir), r.body);
    assert.ok(!r.body.includes('<buffer>'), r.body);
  }
});

test('a 20000x20000 PNG header is refused from its header, before any pixel is decoded', async () => {
  const png = pngHeaderOnly(20000, 20000);
  assert.ok(png.length < 100_000);
  const t0 = performance.now();
  const r = await upload(png, 'image/png');
  const ms = performance.now() - t0;
  assert.equal(r.statusCode, 413);
  const e = errorOf(r);
  assert.equal(e.code, 'E_IMAGE_TOO_LARGE');
  assert.match(e.message, /20000x20000/);
  assert.ok(ms < 2000, `answered in ${ms.toFixed(0)} ms`);
});

test('a decompression bomb (a few KB of PNG, 100 megapixels) is refused without decoding', async () => {
  const bomb = pngBomb(10000, 10000);
  assert.ok(bomb.length < 200_000, `${bomb.length} bytes`);
  const before = process.memoryUsage().rss;
  const r = await upload(bomb, 'image/png');
  assert.equal(r.statusCode, 413);
  assert.equal(errorOf(r).code, 'E_IMAGE_TOO_LARGE');
  assert.ok(process.memoryUsage().rss - before < 60 * 1024 * 1024, 'no 100 MB decode');
});

test('bodies over the limit → 413 E_BODY_TOO_LARGE (raw and multipart)', async () => {
  const big = Buffer.alloc(BODY_LIMIT + 1024, 0xff);
  big.set([0xff, 0xd8, 0xff]);
  const raw = await upload(big, 'image/jpeg');
  assert.equal(raw.statusCode, 413);
  assert.equal(errorOf(raw).code, 'E_BODY_TOO_LARGE');
  const mp = await multipart('image', 'big.jpg', big);
  assert.equal(mp.statusCode, 413);
  assert.equal(errorOf(mp).code, 'E_BODY_TOO_LARGE');
  // JSON endpoints take much less.
  const json = await app.inject({
    method: 'POST',
    url: '/api/search',
    headers: { 'content-type': 'application/json' },
    body: `{"faceId": 1, "pad": "${'x'.repeat(300 * 1024)}"}`,
  });
  assert.equal(json.statusCode, 413);
});

test('a photo without faces gives an empty list, not an error', async () => {
  const sharp = (await import('sharp')).default;
  const grey = await sharp({
    create: { width: 200, height: 150, channels: 3, background: { r: 90, g: 120, b: 90 } },
  })
    .png()
    .toBuffer();
  const r = await upload(grey, 'image/png');
  assert.equal(r.statusCode, 200);
  assert.deepEqual(r.json().faces, []);
});

test('GET /api/photos: list and paging; photo, faces, image and thumbnail', async () => {
  const all = await app.inject('/api/photos?faces=1');
  assert.equal(all.statusCode, 200);
  const list = all.json();
  assert.equal(list.total, 3);
  assert.deepEqual(
    list.photos.map((p: { path: string }) => p.path),
    ['astronaut.jpg', 'camera.jpg', 'grace_hopper.jpg'],
  );
  const page = (await app.inject('/api/photos?offset=1&limit=1')).json();
  assert.equal(page.total, 3);
  assert.equal(page.photos.length, 1);
  assert.equal(page.photos[0].path, 'camera.jpg');
  assert.equal(page.photos[0].faces, undefined);
  assert.equal((await app.inject('/api/photos?limit=0')).statusCode, 400);
  assert.equal((await app.inject('/api/photos?limit=abc')).statusCode, 400);

  const photo = list.photos[0];
  const faces = (await app.inject(`/api/photos/${photo.id}/faces`)).json();
  assert.equal(faces.photo.path, 'astronaut.jpg');
  assert.equal(faces.faces.length, photo.faces.length);
  assert.equal(faces.faces[0].thumbnailUrl, `/api/faces/${faces.faces[0].id}/thumbnail`);

  const image = await app.inject(photo.imageUrl);
  assert.equal(image.statusCode, 200);
  assert.equal(image.headers['content-type'], 'image/jpeg');
  assert.ok(image.rawPayload.equals(astronaut));

  const thumb = await app.inject(faces.faces[0].thumbnailUrl);
  assert.equal(thumb.statusCode, 200);
  assert.equal(thumb.headers['content-type'], 'image/jpeg');
  assert.deepEqual([...thumb.rawPayload.subarray(0, 3)], [0xff, 0xd8, 0xff]);

  const face = (await app.inject(`/api/faces/${faces.faces[0].id}`)).json();
  assert.equal(face.embedding.length, 16);

  assert.equal((await app.inject('/api/photos/999999')).statusCode, 404);
  assert.equal(errorOf(await app.inject('/api/photos/999999/image')).code, 'E_NOT_FOUND');
  assert.equal((await app.inject('/api/faces/abc/thumbnail')).statusCode, 400);
  assert.equal((await app.inject('/api/faces/999999/thumbnail')).statusCode, 404);
  assert.equal((await app.inject('/api/nothing-here')).statusCode, 404);
  assert.equal(errorOf(await app.inject('/api/nothing-here')).code, 'E_NOT_FOUND');
});

test('paths outside the indexed root → 403 E_OUTSIDE_ROOT, without revealing the root', async () => {
  for (const path of ['../faces.sqlite', '../../etc/passwd', '/etc/passwd', 'a/../../x.jpg']) {
    const r = await app.inject(`/api/photos/by-path?path=${encodeURIComponent(path)}`);
    assert.equal(r.statusCode, 403, `${path}: ${r.body}`);
    assert.equal(errorOf(r).code, 'E_OUTSIDE_ROOT');
    assert.ok(!r.body.includes(fx.root), r.body);
  }
  const inside = await app.inject('/api/photos/by-path?path=camera.jpg');
  assert.equal(inside.statusCode, 200);
  // A photo file replaced by a symlink that leads out of the root is not served.
  const outside = join(fx.dir, 'secret.jpg');
  await writeFile(outside, astronaut);
  const cam = inside.json();
  const file = join(fx.root, 'camera.jpg');
  const original = await readFile(file);
  await rm(file);
  await symlink(outside, file);
  try {
    const r = await app.inject(`/api/photos/${cam.id}/image`);
    assert.equal(r.statusCode, 403);
    assert.equal(errorOf(r).code, 'E_OUTSIDE_ROOT');
  } finally {
    await rm(file);
    await writeFile(file, original);
  }
  // A photo file that is gone: 404 with a fix.
  await rm(file);
  try {
    const r = await app.inject(`/api/photos/${cam.id}/image`);
    assert.equal(r.statusCode, 404);
    assert.equal(errorOf(r).code, 'E_FILE_NOT_FOUND');
  } finally {
    await writeFile(file, original);
  }
});

test('POST /api/search over 2000 synthetic faces: k nearest, ascending, self and other models left out', async () => {
  // Synthetic faces of two model versions, written straight into the store.
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const unit = () => {
    const v = Float32Array.from({ length: 16 }, rand);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  for (let p = 0; p < 100; p++) {
    const faces = Array.from({ length: 20 }, (_, i) => ({
      face: i,
      box: { x: i, y: 0, width: 10, height: 10 },
      score: 0.9,
      embedding: unit(),
      model: p % 2 === 0 ? 'synthetic-a' : 'synthetic-b',
    }));
    await fx.store.putPhoto(
      {
        path: `synthetic/${p}.jpg`,
        hash: String(p).padStart(64, '0'),
        size: 1,
        width: 100,
        height: 100,
        status: 'ok',
      },
      faces,
    );
  }
  try {
    const query = (await allFaces()).find((f) => f.model === 'synthetic-a')!;
    const r = await app.inject({
      method: 'POST',
      url: '/api/search',
      payload: { faceId: query.id, k: 25 },
    });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.equal(body.model, 'synthetic-a');
    assert.equal(body.neighbours.length, 25);
    const d = body.neighbours.map((n: { distance: number }) => n.distance);
    assert.deepEqual(
      d,
      [...d].sort((a, b) => a - b),
    );
    assert.ok(body.neighbours.every((n: { face: FaceRecord }) => n.face.model === 'synthetic-a'));
    assert.ok(body.neighbours.every((n: { face: FaceRecord }) => n.face.id !== query.id));
    assert.deepEqual(
      body.neighbours.map((n: { rank: number }) => n.rank),
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    // Brute force agrees.
    const same = (await allFaces()).filter((f) => f.model === 'synthetic-a' && f.id !== query.id);
    const dist = (f: FaceRecord) =>
      Math.hypot(...Array.from(f.embedding, (x, i) => x - query.embedding[i]));
    const best = same.map(dist).sort((a, b) => a - b);
    best.slice(0, 25).forEach((x, i) => assert.ok(Math.abs(x - d[i]) < 1e-5));
    // The first neighbour's photo is served by path too.
    assert.match(body.neighbours[0].face.path, /^synthetic\//);
  } finally {
    for (let p = 0; p < 100; p++) await fx.store.deletePhoto(`synthetic/${p}.jpg`);
  }
});

test('POST /api/search: bad requests are 400 with a fix; unknown faces 404', async () => {
  const face = (await allFaces())[0];
  const bad = [
    { faceId: face.id, k: MAX_SEARCH_K + 1 },
    { faceId: face.id, k: 0 },
    { faceId: face.id, k: 2.5 },
    { faceId: 'one' },
    {},
    { faceId: face.id, embedding: Array(16).fill(0.25) },
    { embedding: [1, 2, 3] },
    { embedding: Array(16).fill(0) },
    { embedding: [...Array(15).fill(0.25), 'x'] },
  ];
  for (const payload of bad) {
    const r = await app.inject({ method: 'POST', url: '/api/search', payload });
    assert.equal(r.statusCode, 400, `${JSON.stringify(payload)}: ${r.body}`);
    assert.equal(errorOf(r).code, 'E_BAD_REQUEST');
  }
  const notJson = await app.inject({
    method: 'POST',
    url: '/api/search',
    headers: { 'content-type': 'application/json' },
    body: '{"faceId": ',
  });
  assert.equal(notJson.statusCode, 400);
  const list = await app.inject({ method: 'POST', url: '/api/search', payload: [1, 2] });
  assert.equal(list.statusCode, 400);
  const missing = await app.inject({
    method: 'POST',
    url: '/api/search',
    payload: { faceId: 999999 },
  });
  assert.equal(missing.statusCode, 404);
  const k2 = await app.inject({
    method: 'POST',
    url: '/api/search',
    payload: { faceId: face.id, k: 2 },
  });
  assert.equal(k2.json().neighbours.length, 2);
});

test('POST /api/odd-one-out: faceIds or embeddings; the answer matches oddOneOut', async () => {
  const faces = (await allFaces()).filter((f) => f.model === fx.model).slice(0, 3);
  assert.equal(faces.length, 3);
  const r = await app.inject({
    method: 'POST',
    url: '/api/odd-one-out',
    payload: { faceIds: faces.map((f) => f.id) },
  });
  assert.equal(r.statusCode, 200, r.body);
  const body = r.json();
  const want = oddOneOut(faces[0].embedding, faces[1].embedding, faces[2].embedding);
  assert.equal(body.odd, want.odd);
  assert.equal(body.oddFaceId, faces[want.odd].id);
  assert.deepEqual(
    body.faces.map((f: { id: number }) => f.id),
    faces.map((f) => f.id),
  );
  assert.ok(Math.abs(body.distances[0].distance - want.distances.ab) < 1e-6);
  const byEmb = await app.inject({
    method: 'POST',
    url: '/api/odd-one-out',
    payload: { embeddings: faces.map((f) => Array.from(f.embedding)) },
  });
  assert.equal(byEmb.json().odd, want.odd);
  for (const payload of [
    { faceIds: [faces[0].id, faces[1].id] },
    { faceIds: [faces[0].id, faces[0].id, faces[1].id] },
    { faceIds: faces.map((f) => f.id), embeddings: [] },
    { embeddings: [[1], [2], [3]] },
  ]) {
    const bad = await app.inject({ method: 'POST', url: '/api/odd-one-out', payload });
    assert.equal(bad.statusCode, 400, JSON.stringify(payload));
  }
});

test('uploads are processed one at a time; past the queue limit → 503 E_BUSY', async () => {
  const busy = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    maxQueue: 0,
    webRoot: false,
  });
  try {
    const rs = await Promise.all([
      upload(astronaut, 'image/jpeg', busy),
      upload(astronaut, 'image/jpeg', busy),
    ]);
    const codes = rs.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [200, 503]);
    const refused = rs.find((r) => r.statusCode === 503)!;
    assert.equal(errorOf(refused).code, 'E_BUSY');
    assert.equal(refused.headers['retry-after'], '1');
  } finally {
    await busy.close();
  }
});

test('a server without a model answers uploads 503 E_NO_MODEL and still searches', async () => {
  const plain = await createServer({ store: fx.store, webRoot: false });
  try {
    const r = await upload(astronaut, 'image/jpeg', plain);
    assert.equal(r.statusCode, 503);
    assert.equal(errorOf(r).code, 'E_NO_MODEL');
    const face = (await allFaces())[0];
    const s = await plain.inject({
      method: 'POST',
      url: '/api/search',
      payload: { faceId: face.id },
    });
    assert.equal(s.statusCode, 200);
    assert.equal((await plain.inject('/')).statusCode, 404);
  } finally {
    await plain.close();
  }
});

test('the web app is served from web/, with nothing loaded from another origin', async () => {
  const page = await app.inject('/');
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /text\/html/);
  assert.match(page.body, /data-testid="upload-input"/);
  const odd = await app.inject('/odd.html');
  assert.equal(odd.statusCode, 200);
  for (const url of ['/style.css', '/js/search.js', '/js/odd.js', '/js/api.js', '/js/dom.js']) {
    const r = await app.inject(url);
    assert.equal(r.statusCode, 200, url);
    // No CDN, no external fonts: the only absolute URL allowed is the SVG namespace.
    const external = r.body.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'"]*/gi) ?? [];
    assert.deepEqual(
      external.filter((u) => !u.startsWith('http://www.w3.org/2000/svg')),
      [],
      url,
    );
  }
});

test('a real listen on 127.0.0.1:0: health and an upload over HTTP', async () => {
  const live = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    port: 0,
  });
  try {
    const url = await listen(live);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const addr = live.server.address();
    assert.ok(typeof addr === 'object' && addr !== null && addr.address === '127.0.0.1');
    const h = await fetch(`${url}/api/health`);
    assert.equal(h.status, 200);
    assert.equal(((await h.json()) as { ok: boolean }).ok, true);
    const u = await fetch(`${url}/api/faces`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: astronaut,
    });
    assert.equal(u.status, 200);
    assert.equal(((await u.json()) as { faces: unknown[] }).faces.length, 1);
    // A body over the limit is refused from its Content-Length.
    const big = await fetch(`${url}/api/faces`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: Buffer.alloc(21 * 1024 * 1024),
    });
    assert.equal(big.status, 413);
  } finally {
    await live.close();
  }
});

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
    assert.equal(errorOf(twoFiles).code, 'E_BODY_TOO_LARGE');
    assert.match(errorOf(twoFiles).message, /more than one file/);
  });
  assert.deepEqual(logged, []);
});

test("a real socket: static-file 403/400, a bad URL, 431, non-HTTP bytes and 408 are the API's JSON errors", async () => {
  const live = await createServer({ store: fx.store, port: 0, requestTimeoutMs: 400 });
  try {
    const port = Number(new URL(await listen(live)).port);
    const get = (path: string, headers = '') =>
      rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
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
      const slow = await rawRequest(port, 'GET /api/health HTTP/1.1\r\nHost: x\r\n', 5000);
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
