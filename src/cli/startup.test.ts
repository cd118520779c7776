// The CLI's start-up stays light: `--help` and the data commands that need no tensors must not
// load TensorFlow.js, sharp or OpenCV (commands import the library when they run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../../test/helpers.js';

const trace = fileURLToPath(
  new URL('../../test/fixtures/module-trace/register.mjs', import.meta.url),
);
const sample = fileURLToPath(new URL('../../test/fixtures/fec/sample.csv', import.meta.url));
const HEAVY = /node_modules\/(@tensorflow|sharp|@techstark)\//;

async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-startup-'));
  try {
    const file = join(dir, 'modules.txt');
    const r = spawnSync(process.execPath, ['--import', trace, BIN, ...args], {
      encoding: 'utf8',
      env: { ...process.env, MODULE_TRACE_FILE: file },
    });
    assert.equal(r.status, 0, r.stderr);
    return (await readFile(file, 'utf8')).trim().split('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const STARTS: [string, string[]][] = [
  ['--help', ['--help']],
  ['data fec-info', ['data', 'fec-info', sample]],
];
for (const [name, args] of STARTS) {
  test(`exprsim ${name} loads no TensorFlow.js, sharp or OpenCV`, async () => {
    const urls = await modulesLoadedBy(args);
    assert.ok(
      urls.some((u) => /\/cli\/main\.[jt]s$/.test(u)),
      'the trace sees the CLI',
    );
    assert.deepEqual(
      urls.filter((u) => HEAVY.test(u)),
      [],
    );
  });
}
