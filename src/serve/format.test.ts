import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSampleBuilt, formatServing, servingJson } from './format.js';
import type { ServingIndex } from './serve-index.js';

const serving = (sample?: ServingIndex['sample']) =>
  ({
    url: 'http://127.0.0.1:8080',
    store: { location: 'faces.sqlite' },
    stats: { photos: 3, faces: 4 },
    sample,
  }) as unknown as ServingIndex;

test('a listening server: what it serves and where', () => {
  assert.deepEqual(formatServing(serving()), [
    'serving 3 photos, 4 faces from faces.sqlite',
    'open http://127.0.0.1:8080/ (Ctrl-C stops)',
  ]);
  assert.deepEqual(servingJson(serving()), {
    url: 'http://127.0.0.1:8080',
    location: 'faces.sqlite',
    photos: 3,
    faces: 4,
  });
});

test('a server with a token says how to open it, without printing the token', () => {
  const lines = formatServing({ ...serving(), tokenRequired: true });
  assert.equal(
    lines[1],
    'open http://127.0.0.1:8080/?token=<token> (the token it was started with; scripts send Authorization: Bearer <token>; Ctrl-C stops)',
  );
});

test('the sample index gets a line only when this start built or changed it', () => {
  const summary = (added: number, changed: number) =>
    ({ added, changed, files: 12, faces: 15 }) as never;
  assert.equal(formatSampleBuilt(serving()), undefined);
  assert.equal(
    formatSampleBuilt(serving({ location: 's.sqlite', summary: summary(0, 0) })),
    undefined,
  );
  assert.equal(
    formatSampleBuilt(serving({ location: 's.sqlite', summary: summary(0, 2) })),
    'built the sample index s.sqlite: 12 photos, 15 faces',
  );
});
