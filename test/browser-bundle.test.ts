// The browser bundle's guard and swaps (scripts/build-browser.mjs), without a browser: the real
// entry builds with the browser siblings in place of the Node modules and no Node-only code,
// and a module that imports a Node built-in fails the build, naming itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBrowser } from '../scripts/build-browser.mjs';

const tmp = await mkdtemp(join(tmpdir(), 'exprsim-bundle-'));
after(() => rm(tmp, { recursive: true, force: true }));

test('the bundle holds the browser siblings, none of the Node modules they replace', async () => {
  const r = await buildBrowser(join(tmp, 'real'), { minify: false });
  const src = r.inputs.filter((f) => f.startsWith('src/'));
  for (const sibling of [
    'src/core/files.browser.ts',
    'src/core/paths.browser.ts',
    'src/image/resize.browser.ts',
    'src/image/read.browser.ts',
    'src/engine/backend.browser.ts',
    'src/detect/factories.browser.ts',
  ]) {
    assert.ok(src.includes(sibling), `${sibling} is in the bundle`);
    assert.ok(
      !src.includes(sibling.replace('.browser', '')),
      `${sibling.replace('.browser', '')} is not`,
    );
  }
  // The shared modules are there once, as they are.
  for (const shared of [
    'src/align/preprocess.ts',
    'src/detect/mtcnn.ts',
    'src/image/resample.ts',
  ]) {
    assert.ok(src.includes(shared), `${shared} is in the bundle`);
  }
  assert.ok(
    !r.inputs.some((f) =>
      /node_modules\/(sharp|better-sqlite3|pg|@tensorflow\/tfjs-node)\//.test(f),
    ),
  );
  assert.ok(!src.some((f) => /viola-jones|opencv|sqlite|serve\//.test(f)));
  const js = await readFile(join(tmp, 'real', 'exprsim.js'), 'utf8');
  assert.doesNotMatch(js, /from ["']node:/);
  assert.ok(r.sizes['tfjs-backend-wasm-simd.wasm'] > 100_000);
});

test('a Node built-in reached from the sources fails the build, naming the importer', async () => {
  const sources = join(tmp, 'src');
  await mkdir(sources, { recursive: true });
  await writeFile(
    join(sources, 'leaf.ts'),
    "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
  );
  await writeFile(join(sources, 'entry.ts'), "export { f } from './leaf.js';\n");
  await assert.rejects(
    buildBrowser(join(tmp, 'bad'), { entry: join(sources, 'entry.ts'), sources }),
    (e: { errors?: { text: string }[] }) => {
      const text = (e.errors ?? []).map((x) => x.text).join('\n');
      assert.match(text, /Node-only import "node:fs" in the browser build \(from .*leaf\.ts\)/);
      return true;
    },
  );
  // With a browser sibling, the same module builds.
  await writeFile(join(sources, 'leaf.browser.ts'), 'export const f = (): string => "";\n');
  const ok = await buildBrowser(join(tmp, 'good'), { entry: join(sources, 'entry.ts'), sources });
  assert.ok(ok.inputs.some((f) => f.endsWith('leaf.browser.ts')));
  assert.ok(!ok.inputs.some((f) => f.endsWith('leaf.ts')));
});
