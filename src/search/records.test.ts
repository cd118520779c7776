import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { liveWriter, lockedError } from './records.js';

test('liveWriter drops the record of a process that no longer exists on this host', () => {
  const since = '2026-01-01T00:00:00.000Z';
  const me = { pid: process.pid, host: 'here', since };
  assert.deepEqual(liveWriter(me, 'here'), me);
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid is free
  assert.equal(liveWriter({ pid: gone, host: 'here', since }, 'here'), undefined);
  const remote = { pid: gone, host: 'elsewhere', since };
  assert.deepEqual(liveWriter(remote, 'here'), remote, 'cannot check another host');
  assert.equal(liveWriter(undefined, 'here'), undefined);
});

test('lockedError names the holder, or says "another process"', () => {
  const e = lockedError('faces.sqlite', { pid: 42, host: 'box', since: 'noon' });
  assert.equal(e.code, 'E_STORE_LOCKED');
  assert.equal(
    e.toLine(),
    'faces.sqlite: the database is being written by process 42 on box (since noon) (wait for it to finish, or stop it (kill 42); a killed writer releases the lock at once)',
  );
  assert.match(lockedError('x', undefined).message, /by another process$/);
});
