import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathHider } from './hide-paths.js';

test('pathHider: paths under the root become relative, others are masked, API routes stay', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-hide-'));
  try {
    const link = join(dir, 'link');
    await symlink(dir, link);
    const hide = pathHider([link]);
    assert.equal(hide(`cannot read ${link}/sub/a.jpg: EACCES`), 'cannot read sub/a.jpg: EACCES');
    // The real path of the root is hidden too.
    assert.equal(hide(`${dir}/b.png is corrupt`), 'b.png is corrupt');
    assert.equal(
      hide(`a symlink to a file outside ${link}: not indexed`),
      'a symlink to a file outside <root>: not indexed',
    );
    assert.equal(hide('open /etc/passwd failed'), 'open <server path> failed');
    assert.equal(
      hide("ENOENT: no such file, open '/work/x/y.jpg'"),
      "ENOENT: no such file, open '<server path>'",
    );
    for (const keep of [
      'see GET /api/health for the API',
      'send image/jpeg or multipart/form-data',
      'the request is not valid HTTP/1.1',
      'open http://127.0.0.1:8080/ in a browser',
      'by their path under /, without ".." segments',
    ]) {
      assert.equal(hide(keep), keep);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
