// On-device mode's side of the server, over a small real index (an untrained model on the
// faceapi-expression backbone): exactly the files the page needs under /device/ (the bundle
// folder's other files, other model folders and paths out are 404), the isolation headers, the
// access checks on those files, GET /api/health's onDevice, and searches by an embedding that
// name their model (409 E_MODEL_MISMATCH for another one).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorOf } from '../../test/fixtures/serve/http.js';
import { buildIndexFixture } from '../../test/fixtures/serve/index-fixture.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { createServer } from './index.js';

const fx = await buildIndexFixture();
after(() => fx.cleanup());

// A bundle folder as build:browser writes it (the real wasm binary), plus a file not to serve.
const bundleDir = join(fx.dir, 'bundle');
await mkdir(bundleDir);
await writeFile(join(bundleDir, 'exprsim.js'), 'export const x = 1;\n');
await copyFile(
  join(PACKAGE_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
  join(bundleDir, 'tfjs-backend-wasm-simd.wasm'),
);
await writeFile(join(bundleDir, 'notes.txt'), 'not for the page\n');
await writeFile(join(fx.dir, 'model', 'training-notes.txt'), 'not for the page either\n');

const device = { bundleDir, modelDir: join(fx.dir, 'model'), detector: 'mtcnn' as const };
const app = await createServer({
  store: fx.store,
  embedder: fx.embedder,
  detector: fx.detector,
  model: fx.model,
  device,
});
after(() => app.close());

test('GET /api/health says where the page loads on-device mode from, and which model it is', async () => {
  const h = (await app.inject('/api/health')).json();
  assert.deepEqual(h.onDevice, {
    available: true,
    bundle: '/device/exprsim.js',
    wasmPath: '/device/',
    modelBaseUrl: '/device/models',
    modelUrl: '/device/models/embedding',
    detector: 'mtcnn',
    model: fx.model,
  });
});

test('/device/ serves exactly the bundle, wasm, detector, backbone and model files', async () => {
  const ok = {
    '/device/exprsim.js': /^text\/javascript/,
    '/device/tfjs-backend-wasm-simd.wasm': /^application\/wasm$/,
    '/device/models/mtcnn/mtcnn_model-weights_manifest.json': /^application\/json/,
    '/device/models/mtcnn/mtcnn_model-shard1': /^application\/octet-stream$/,
    '/device/models/faceapi-expression/face_expression_model-weights_manifest.json':
      /^application\/json/,
    '/device/models/embedding/model.json': /^application\/json/,
  };
  for (const [url, type] of Object.entries(ok)) {
    const r = await app.inject(url);
    assert.equal(r.statusCode, 200, url);
    assert.match(r.headers['content-type'] as string, type, url);
    // Cross-origin isolated (wasm threads), and no other site may load these.
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(r.headers['cross-origin-resource-policy'], 'same-origin');
  }
  const wasm = await app.inject('/device/tfjs-backend-wasm-simd.wasm');
  assert.deepEqual([...wasm.rawPayload.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
  for (const url of [
    '/device/notes.txt',
    '/device/models/embedding/training-notes.txt',
    '/device/models/haarcascades/haarcascade_frontalface_default.xml',
    '/device/models/blazeface/blazeface.json',
    '/device/models/embedding/../../../package.json',
    '/device/models/embedding/%2e%2e/%2e%2e/notes.txt',
    '/device/',
  ]) {
    const r = await app.inject(url);
    assert.ok(r.statusCode === 404 || r.statusCode === 400, `${url}: ${r.statusCode}`);
    assert.equal(errorOf(r).code === 'E_NOT_FOUND' || r.statusCode === 400, true, url);
  }
  // Pages may compile WebAssembly and start its thread workers; still nothing from elsewhere.
  const page = await app.inject('/');
  const csp = page.headers['content-security-policy'] as string;
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' blob:/);
  assert.doesNotMatch(csp, /unsafe-eval'(?<!wasm-unsafe-eval')/);
  assert.match(csp, /connect-src 'self'/);
  assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
});

test('the Host, token and Origin checks cover /device/ too', async () => {
  const evil = await app.inject({ url: '/device/exprsim.js', headers: { host: 'evil.example' } });
  assert.equal(evil.statusCode, 421);
  assert.equal(errorOf(evil).code, 'E_BAD_HOST');
  const token = 'device-test-token-1234';
  const guarded = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    model: fx.model,
    device,
    token,
  });
  try {
    const refused = await guarded.inject('/device/models/embedding/model.json');
    assert.equal(refused.statusCode, 401);
    const ok = await guarded.inject({
      url: '/device/models/embedding/model.json',
      headers: { cookie: `exprsim_token=${token}` },
    });
    assert.equal(ok.statusCode, 200);
    const cross = await guarded.inject({
      method: 'POST',
      url: '/api/search',
      headers: {
        authorization: `Bearer ${token}`,
        origin: 'http://evil.example',
        'content-type': 'application/json',
      },
      payload: { embedding: new Array(16).fill(0.25), model: fx.model },
    });
    assert.equal(cross.statusCode, 403);
  } finally {
    await guarded.close();
  }
});

test('search by an embedding with its model: this server’s passes, another is 409 E_MODEL_MISMATCH', async () => {
  const f = (await fx.store.facesOfPhoto((await fx.store.listPhotos())[0].id))[0];
  const embedding = Array.from(f.embedding);
  const search = (body: unknown) =>
    app.inject({ method: 'POST', url: '/api/search', payload: body as object });
  const plain = await search({ embedding, k: 5 });
  const named = await search({ embedding, k: 5, model: fx.model });
  assert.equal(named.statusCode, 200);
  assert.deepEqual(named.json().neighbours, plain.json().neighbours);
  assert.equal(named.json().neighbours[0].face.id, f.id);

  const other = await search({ embedding, k: 5, model: 'densenet-0123456789abcdef' });
  assert.equal(other.statusCode, 409);
  const e = errorOf(other);
  assert.equal(e.code, 'E_MODEL_MISMATCH');
  assert.match(e.message, /densenet-0123456789abcdef/);
  assert.match(e.message, new RegExp(fx.model));
  assert.match(e.fix, /reload the page/);

  // The one validation: 16 finite numbers, a model string, model only with an embedding.
  for (const [body, field] of [
    [{ embedding: embedding.slice(0, 15), model: fx.model }, /embedding/],
    [{ embedding: [...embedding.slice(0, 15), '1'], model: fx.model }, /embedding/],
    [{ embedding, model: '' }, /model/],
    [{ embedding, model: 12 }, /model/],
    [{ faceId: f.id, model: fx.model }, /model goes with embedding/],
  ] as const) {
    const r = await search(body);
    assert.equal(r.statusCode, 400, JSON.stringify(body));
    const err = errorOf(r);
    assert.equal(err.code, 'E_BAD_REQUEST');
    assert.match(err.message, field);
  }
  const inf = await app.inject({
    method: 'POST',
    url: '/api/search',
    headers: { 'content-type': 'application/json' },
    payload: `{"embedding":[${new Array(15).fill('0.1').join(',')},1e400],"model":"${fx.model}"}`,
  });
  assert.equal(inf.statusCode, 400);
});

test('a server without a model: no on-device mode (health says why); a named model must be in the index', async () => {
  const searchOnly = await createServer({ store: fx.store, device });
  try {
    const h = (await searchOnly.inject('/api/health')).json();
    assert.equal(h.onDevice.available, false);
    assert.match(h.onDevice.reason, /no expression model/);
    assert.equal((await searchOnly.inject('/device/exprsim.js')).statusCode, 404);
    const embedding = new Array(16).fill(0.25);
    const known = await searchOnly.inject({
      method: 'POST',
      url: '/api/search',
      payload: { embedding, model: fx.model, k: 3 },
    });
    assert.equal(known.statusCode, 200);
    assert.equal(known.json().model, fx.model);
    const unknown = await searchOnly.inject({
      method: 'POST',
      url: '/api/search',
      payload: { embedding, model: 'fecnet-ffffffffffffffff' },
    });
    assert.equal(unknown.statusCode, 409);
    assert.equal(errorOf(unknown).code, 'E_MODEL_MISMATCH');
  } finally {
    await searchOnly.close();
  }
  const off = await createServer({
    store: fx.store,
    embedder: fx.embedder,
    detector: fx.detector,
    model: fx.model,
    device: false,
  });
  try {
    const h = (await off.inject('/api/health')).json();
    assert.deepEqual(h.onDevice, { available: false, reason: 'turned off on the server' });
  } finally {
    await off.close();
  }
});

test('GET /api/photos?faces=1&embeddings=1 carries each face’s embedding; embeddings alone is a 400', async () => {
  const r = await app.inject('/api/photos?status=ok&faces=1&embeddings=1');
  assert.equal(r.statusCode, 200);
  const faces = r.json().photos.flatMap((p: { faces: { embedding: number[] }[] }) => p.faces);
  assert.ok(faces.length >= 3);
  for (const f of faces) assert.equal(f.embedding.length, 16);
  const without = await app.inject('/api/photos?status=ok&faces=1');
  assert.equal(without.json().photos[0].faces[0].embedding, undefined);
  const alone = await app.inject('/api/photos?embeddings=1');
  assert.equal(alone.statusCode, 400);
  assert.match(errorOf(alone).message, /embeddings=1 goes with faces=1/);
});
