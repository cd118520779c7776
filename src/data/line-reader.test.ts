import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notTextReason, readLines } from './line-reader.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('notTextReason: byte-order marks, NULs, gzip and zip; UTF-8 text (with its BOM) is text', () => {
  assert.equal(notTextReason(new TextEncoder().encode('path,label\nä.jpg,x\n')), undefined);
  assert.equal(notTextReason(bytes(0xef, 0xbb, 0xbf, 0x61)), undefined, 'UTF-8 BOM');
  assert.equal(notTextReason(new Uint8Array(0)), undefined, 'empty');
  assert.equal(notTextReason(bytes(0xff, 0xfe, 0x61, 0)), 'UTF-16 text');
  assert.equal(notTextReason(bytes(0xfe, 0xff, 0, 0x61)), 'UTF-16 text');
  assert.equal(notTextReason(bytes(0xff, 0xfe, 0, 0)), 'UTF-32 text');
  assert.equal(notTextReason(Buffer.from('path,label\n', 'utf16le')), 'UTF-16 text', 'no BOM');
  assert.equal(notTextReason(bytes(0x1f, 0x8b, 8, 0)), 'a gzip file');
  assert.equal(notTextReason(bytes(0x50, 0x4b, 3, 4)), 'a zip file');
  assert.equal(
    notTextReason(bytes(0x61, 0x62, 0, 0x63, 0x64, 0x65)),
    'a binary file (a NUL byte at offset 2)',
  );
});

test('readLines refuses UTF-16 and binary files up front, naming the file and the fix', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-lines-'));
  try {
    const u16 = join(dir, 'u16.csv');
    await writeFile(
      u16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]),
    );
    const bin = join(dir, 'bin.csv');
    await writeFile(
      bin,
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
    );
    const read = async (p: string) => {
      for await (const l of readLines(p, 'labels CSV')) void l;
    };
    await assert.rejects(
      read(u16),
      (e: Error & { code?: string; input?: string; fix?: string }) => {
        assert.equal(e.code, 'E_DATA_FORMAT');
        assert.equal(e.message, 'is UTF-16 text, not a UTF-8 labels CSV');
        assert.equal(e.input, u16);
        assert.match(e.fix ?? '', /iconv -f UTF-16 -t UTF-8/);
        return true;
      },
    );
    await assert.rejects(read(bin), {
      code: 'E_DATA_FORMAT',
      message: 'is a binary file (a NUL byte at offset 8), not a UTF-8 labels CSV',
    });
    const ok = join(dir, 'ok.csv');
    await writeFile(ok, '\ufeffa,b\r\nc,d\n');
    const lines: string[] = [];
    for await (const l of readLines(ok)) lines.push(l.text);
    assert.deepEqual(lines, ['a,b', 'c,d']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
