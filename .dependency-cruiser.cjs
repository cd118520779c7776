// The one-way import rule (docs/architecture.md): a stage imports only stages before it in
// STAGES, never a later one, and no module graph has a cycle. `npm run lint` runs it.
/** The pipeline stages, in import order; stages in one inner list do not import each other. */
const STAGES = [
  ['core'],
  ['engine', 'image'],
  ['data'],
  ['detect'],
  ['align'],
  ['features'],
  ['models'],
  ['embed'],
  ['train'],
  ['eval'],
  ['experiment'],
  ['report'],
  ['search'],
  // browser/ is the browser build's entry (scripts/build-browser.mjs): the inference path of the
  // stages below it, a peer of the server; web/ writes the static demo site around it.
  ['serve', 'browser', 'web'],
  ['cli'],
];

const rank = new Map(STAGES.flatMap((group, i) => group.map((s) => [s, i])));
const later = (stage) => [...rank].filter(([, r]) => r > rank.get(stage)).map(([s]) => s);
const peers = (stage) => STAGES[rank.get(stage)].filter((s) => s !== stage);
const alt = (names) => `(${names.join('|')})`;

const stageRules = [...rank.keys()]
  .filter((stage) => later(stage).length > 0 || peers(stage).length > 0)
  .map((stage) => ({
    name: `stage-order-${stage}`,
    comment: `${stage}/ imports only stages before it (${STAGES.slice(0, rank.get(stage))
      .flat()
      .join(', ')})`,
    severity: 'error',
    // Tests may drive a stage through later ones (a head trained a step); the shipped graph may not.
    from: { path: `^src/${stage}/`, pathNot: '\\.test\\.ts$' },
    to: { path: `^src/${alt([...later(stage), ...peers(stage)])}/` },
  }));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles, inside a stage or across stages',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...stageRules,
    {
      name: 'stage-not-entry',
      comment: 'src/ files outside a stage (index.ts) import stages through their entries',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/[^/]+/', pathNot: '^src/[^/]+/index\\.ts$' },
    },
    {
      name: 'browser-siblings',
      comment:
        'x.browser.ts is the browser build of x.ts: only src/browser/ and other browser siblings import one by name (the build swaps the rest in)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/browser/', '\\.browser\\.ts$'] },
      to: { path: '\\.browser\\.ts$' },
    },
    {
      name: 'cli-imports-entries',
      comment:
        'the CLI maps flags to library options: it imports stage entries (index.ts) and their tfjs-free defaults.ts only',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^src/',
        pathNot: ['^src/cli/', '^src/index\\.ts$', '^src/[^/]+/(index|defaults)\\.ts$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
