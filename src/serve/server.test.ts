// The HTTP API over a small real index (the sample photos, an untrained model): every endpoint,
// every kind of bad input, and one test over a real socket on 127.0.0.1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { errorOf, rawRequest } from '../../test/fixtures/serve/http.js';
import { buildIndexFixture } from '../../test/fixtures/serve/index-fixture.js';
import { pngBomb, pngHeaderOnly } from '../../test/fixtures/serve/png.js';
import { indexPhotos, oddOneOut, type FaceRecord } from '../search/index.js';
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
  // The reader's hints name its options (failOn, maxPixels): HTTP clients get what they can do.
  assert.match(errorOf(truncated).fix, /^upload an intact copy/);
  assert.match(errorOf(notImage).fix, /^upload a JPEG, PNG or WebP image/);
  for (const r of [notImage, gif, truncated]) {
    assert.doesNotMatch(errorOf(r).fix, /failOn|maxPixels|readImage|pass \{/, r.body);
  }
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
  assert.equal(
    e.fix,
    'upload a smaller image: at most 25000000 pixels (width x height, e.g. 5000x5000); downscale it first',
  );
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

test('failed photos: their errors name paths relative to the root, never absolute, and no library hints', async () => {
  // A real corrupt file through the real indexer, and the record of an unreadable one naming
  // server paths as the indexer's walker does.
  const broken = join(fx.root, 'broken.jpg');
  await writeFile(broken, astronaut.subarray(0, 600));
  await indexPhotos(fx.root, fx.store, { embedder: fx.embedder, detector: fx.detector });
  await fx.store.putPhoto(
    {
      path: 'sub/locked.jpg',
      hash: 'f'.repeat(64),
      size: 1,
      width: 0,
      height: 0,
      status: 'failed',
      error: `cannot read ${fx.root}/sub/locked.jpg: EACCES (see ${fx.dir}/faces.sqlite and /etc/x)`,
    },
    [],
  );
  try {
    const r = await app.inject('/api/photos?status=failed');
    assert.equal(r.statusCode, 200, r.body);
    const { photos } = r.json() as { photos: { id: number; path: string; error: string }[] };
    assert.deepEqual(photos.map((p) => p.path).sort(), ['broken.jpg', 'sub/locked.jpg']);
    const locked = photos.find((p) => p.path === 'sub/locked.jpg')!;
    assert.equal(
      locked.error,
      'cannot read sub/locked.jpg: EACCES (see <server path> and <server path>)',
    );
    const corrupt = photos.find((p) => p.path === 'broken.jpg')!;
    assert.match(corrupt.error, /truncated or corrupt/);
    assert.doesNotMatch(corrupt.error, /failOn/);
    for (const url of ['/api/photos?status=failed', `/api/photos/${photos[0].id}`]) {
      const body = (await app.inject(url)).body;
      assert.ok(!body.includes(fx.dir), body);
      assert.ok(!body.includes(tmpdir()), body);
    }
  } finally {
    await fx.store.deletePhoto('broken.jpg');
    await fx.store.deletePhoto('sub/locked.jpg');
    await rm(broken);
  }
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
    // The ANN knobs are taken (below the ANN threshold the scan is exact either way).
    for (const knobs of [{ exact: true }, { efSearch: 16 }]) {
      const again = await app.inject({
        method: 'POST',
        url: '/api/search',
        payload: { faceId: query.id, k: 25, ...knobs },
      });
      assert.equal(again.statusCode, 200, again.body);
      assert.deepEqual(
        again.json().neighbours.map((n: { distance: number }) => n.distance),
        d,
      );
    }
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
    { faceId: face.id, efSearch: 0 },
    { faceId: face.id, efSearch: 2.5 },
    { faceId: face.id, exact: 'yes' },
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
  assert.equal(byEmb.json().tie, false);
  const same = Array.from(faces[0].embedding);
  const tied = await app.inject({
    method: 'POST',
    url: '/api/odd-one-out',
    payload: { embeddings: [same, same, same] },
  });
  assert.equal(tied.statusCode, 200, tied.body);
  assert.equal(tied.json().tie, true);
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

test('DNS rebinding: only loopback names and the bound host are answered; others get 421 E_BAD_HOST', async () => {
  const live = await createServer({ store: fx.store, port: 0, webRoot: false });
  try {
    const port = Number(new URL(await listen(live)).port);
    const get = (host: string) =>
      rawRequest(port, `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      assert.equal((await get(host)).status, 200, host);
    }
    for (const host of [
      `evil.example:${port}`,
      'attacker.test',
      '127.0.0.1.evil.test',
      '[::2]',
      'a b',
    ]) {
      const r = await get(host);
      assert.equal(r.status, 421, `${host}: ${r.body}`);
      const e = errorOf(r.body);
      assert.equal(e.code, 'E_BAD_HOST');
      assert.match(e.fix, /localhost, 127\.0\.0\.1, \[::1\]/);
    }
  } finally {
    await live.close();
  }
  // Bound to every interface: this machine's name is answered too, besides the loopback names.
  const wide = await createServer({
    store: fx.store,
    host: '0.0.0.0',
    token: 'a-long-token',
    webRoot: false,
  });
  try {
    const auth = { authorization: 'Bearer a-long-token' };
    const mine = await wide.inject({
      url: '/api/health',
      headers: { ...auth, host: `${hostname()}:8080` },
    });
    assert.equal(mine.statusCode, 200, mine.body);
    const other = await wide.inject({
      url: '/api/health',
      headers: { ...auth, host: 'evil.example' },
    });
    assert.equal(other.statusCode, 421);
  } finally {
    await wide.close();
  }
});

test('cross-origin POSTs are refused with 403 E_BAD_ORIGIN before the body is read; same origin and no Origin pass', async () => {
  const face = (await allFaces())[0];
  const search = (headers: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/api/search',
      headers: { host: '127.0.0.1:8080', ...headers },
      payload: { faceId: face.id },
    });
  assert.equal((await search({})).statusCode, 200);
  assert.equal((await search({ origin: 'http://127.0.0.1:8080' })).statusCode, 200);
  for (const origin of [
    'http://evil.example',
    'http://127.0.0.1:9999',
    'https://127.0.0.1.evil.test:8080',
    'null',
  ]) {
    const r = await search({ origin });
    assert.equal(r.statusCode, 403, `${origin}: ${r.body}`);
    assert.equal(errorOf(r).code, 'E_BAD_ORIGIN');
  }
  // An upload from another origin is refused before its bytes reach the model.
  const up = await app.inject({
    method: 'POST',
    url: '/api/faces',
    headers: { 'content-type': 'image/jpeg', origin: 'http://evil.example' },
    body: astronaut,
  });
  assert.equal(up.statusCode, 403);
  // Reads are not state-changing: a GET with a foreign Origin is answered (the browser's CORS rules keep its body from the page).
  const list = await app.inject({ url: '/api/photos', headers: { origin: 'http://evil.example' } });
  assert.equal(list.statusCode, 200);
});

test('beyond loopback a token is required; with one, requests carry it as Bearer, cookie or ?token=', async () => {
  assert.throws(
    () => resolveServeOptions({ store: fx.store, host: '0.0.0.0' }),
    (e: Error & { code?: string; option?: string; fix?: string }) => {
      assert.equal(e.code, 'E_BAD_OPTION');
      assert.equal(e.option, 'token');
      assert.match(e.message, /binding 0\.0\.0\.0 .* no `token`/);
      assert.match(e.fix ?? '', /`token`.*EXPRSIM_TOKEN/);
      return true;
    },
  );
  assert.throws(() => resolveServeOptions({ store: fx.store, token: 'short' }), {
    code: 'E_BAD_OPTION',
  });
  assert.throws(() => resolveServeOptions({ store: fx.store, token: 'has a space' }), {
    code: 'E_BAD_OPTION',
  });
  assert.equal(resolveServeOptions({ store: fx.store, host: '127.0.0.2' }).token, undefined);

  const token = 'secret-token-123';
  const guarded = await createServer({ store: fx.store, token });
  try {
    const none = await guarded.inject('/api/health');
    assert.equal(none.statusCode, 401);
    assert.equal(errorOf(none).code, 'E_UNAUTHORIZED');
    assert.match(errorOf(none).fix, /Authorization: Bearer <token>.*\/\?token=<token>/);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="exprsim"');
    const wrong = await guarded.inject({
      url: '/api/health',
      headers: { authorization: 'Bearer nope-nope-nope' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(errorOf(wrong).message, /not this server's/);
    assert.ok(!wrong.body.includes(token));
    assert.equal((await guarded.inject('/')).statusCode, 401);
    const bearer = await guarded.inject({
      url: '/api/health',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(bearer.statusCode, 200);
    // ?token= works on the API and is no parameter of the route.
    const q = await guarded.inject(`/api/photos?limit=1&token=${token}`);
    assert.equal(q.statusCode, 200, q.body);
    // The web app: /?token= sets an HttpOnly, SameSite=Strict cookie and takes the token out of the address.
    const page = await guarded.inject(`/odd.html?x=1&token=${token}`);
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, '/odd.html?x=1');
    const setCookie = String(page.headers['set-cookie']);
    assert.match(setCookie, /^exprsim_token=secret-token-123; HttpOnly; SameSite=Strict; Path=\//);
    assert.equal((await guarded.inject(`//evil.example/?token=${token}`)).headers.location, '/');
    const cookie = setCookie.split(';')[0];
    const home = await guarded.inject({ url: '/', headers: { cookie } });
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /data-testid="upload-input"/);
    const face = (await allFaces())[0];
    const s = await guarded.inject({
      method: 'POST',
      url: '/api/search',
      headers: { cookie, host: 'localhost:8080', origin: 'http://localhost:8080' },
      payload: { faceId: face.id },
    });
    assert.equal(s.statusCode, 200, s.body);
  } finally {
    await guarded.close();
  }
});

test("a request arriving while the server closes gets 503 E_BUSY in the API's shape", async () => {
  const live = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    port: 0,
    webRoot: false,
  });
  const url = await listen(live);
  // One keep-alive socket: the second request waits behind the upload and arrives mid-close.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (path: string, body?: Buffer) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = http.request(
        `${url}${path}`,
        {
          agent,
          method: body ? 'POST' : 'GET',
          headers: body ? { 'content-type': 'image/jpeg' } : {},
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += String(d)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  try {
    assert.equal((await send('/api/health')).status, 200);
    const upload = send('/api/faces', astronaut);
    await new Promise((r) => setTimeout(r, 50));
    const closing = live.close();
    const late = await send('/api/health');
    assert.equal((await upload).status, 200, 'the upload in flight completes');
    assert.equal(late.status, 503, late.body);
    assert.equal(errorOf(late.body).code, 'E_BUSY');
    assert.equal(errorOf(late.body).message, 'the server is shutting down');
    await closing;
  } finally {
    agent.destroy();
    await live.close();
  }
});
