// The one-way import rule (.dependency-cruiser.cjs, run by `npm run lint`) fails on a back-arrow,
// an import cycle and a CLI import that bypasses a stage entry, and the real tree passes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IForbiddenRuleType } from 'dependency-cruiser';
import { REPO } from './helpers.js';

const config = createRequire(import.meta.url)('../.dependency-cruiser.cjs') as {
  forbidden: IForbiddenRuleType[];
};

async function violations(files: Record<string, string>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-deps-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const r = await cruise(
      ['src'],
      {
        baseDir: dir,
        validate: true,
        ruleSet: { forbidden: config.forbidden },
        tsPreCompilationDeps: true,
        enhancedResolveOptions: { extensions: ['.ts', '.js'] },
      },
      { extensions: ['.ts', '.js'] },
    );
    const out = r.output as {
      summary: { violations: { rule: { name: string }; from: string; to: string }[] };
    };
    return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a stage importing a later stage is an error; the other way is fine', async () => {
  const v = await violations({
    'src/core/errors.ts':
      "import { helper } from '../embed/helper.js';\nexport const e = helper;\n",
    'src/embed/helper.ts': 'export const helper = 1;\n',
    'src/train/trainer.ts':
      "import { helper } from '../embed/helper.js';\nexport const t = helper;\n",
  });
  assert.deepEqual(v, ['stage-order-core: src/core/errors.ts → src/embed/helper.ts']);
});

test('an import cycle is an error', async () => {
  const v = await violations({
    'src/search/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'src/search/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  });
  assert.ok(v.length > 0 && v.every((x) => x.startsWith('no-circular:')), v.join('\n'));
});

test('the CLI imports stage entries and defaults only', async () => {
  const v = await violations({
    'src/cli/commands/x.ts':
      "import { a } from '../../embed/index.js';\nimport { d } from '../../embed/defaults.js';\nimport { f } from '../../embed/forward.js';\nexport const x = [a, d, f];\n",
    'src/embed/index.ts': "export { f as a } from './forward.js';\n",
    'src/embed/defaults.ts': 'export const d = 1;\n',
    'src/embed/forward.ts': 'export const f = 1;\n',
  });
  assert.deepEqual(v, ['cli-imports-entries: src/cli/commands/x.ts → src/embed/forward.ts']);
});

test('the tree follows the rule', async () => {
  const r = await cruise(['src'], {
    baseDir: REPO,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  });
  const out = r.output as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  assert.deepEqual(
    out.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
    [],
  );
});
