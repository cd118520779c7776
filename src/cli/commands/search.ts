// `exprsim index`, `search`, `similar` and `odd-one-out`: the photo commands, which share the
// model options (model, detector, margin) and print what the search stage formats.
import type { Command } from 'commander';
import {
  DB_OPTION_SPEC,
  DEFAULT_SEARCH,
  INDEX_OPTION_SPECS,
  PHOTO_MODEL_OPTION_SPECS,
  SEARCH_OPTION_SPECS,
  SIMILAR_OPTION_SPECS,
} from '../../search/defaults.js';
import type { AnnMode } from '../../search/index.js';
import { abortOnInterrupt } from '../interrupt.js';
import { IMAGE_LIMIT_OPTION_SPECS } from '../../image/defaults.js';
import { imageLimits, parseNumber, resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { addOptions } from './option-specs.js';
import { withProgressBar } from './with-progress.js';

/** Commander's values of every photo command, under the keys of its library options. */
interface PhotoOpts {
  model?: string;
  detector: string;
  margin?: string;
  db: string;
  k?: string;
  face?: string;
  faceA?: string;
  faceB?: string;
  maxFaces?: string;
  prune: boolean;
  maxPixels?: string;
  failOn?: string;
  ann?: string;
  annMinFaces?: string;
  annM?: string;
  annEfConstruction?: string;
  efSearch?: string;
  exact?: boolean;
}

/** The model options as `PhotoModelOptions` (the backend from the global `--backend`). */
const modelOptions = (o: PhotoOpts, g: GlobalOptions) => ({
  model: o.model,
  detector: o.detector,
  margin: parseNumber('--margin', o.margin, { int: false, max: 2 }),
  ...imageLimits(o),
  backend: resolveBackend(g),
});

/** Prints `r` as `json(r)` with --json, else as `lines(r)`. */
function print<R>(g: GlobalOptions, r: R, json: (r: R) => unknown, lines: (r: R) => string[]) {
  if (g.json) printJson(json(r));
  else printLines(lines(r));
}

function registerIndexCommand(program: Command): void {
  const cmd = program
    .command('index')
    .description(
      'detect and embed the faces of every photo in a folder (recursively) into a face index',
    )
    .argument('<dir>', 'the photo folder (or a folder inside the one the index already covers)');
  addOptions(cmd, [
    DB_OPTION_SPEC,
    ...PHOTO_MODEL_OPTION_SPECS,
    ...INDEX_OPTION_SPECS,
    ...IMAGE_LIMIT_OPTION_SPECS,
  ]);
  cmd.action(async (dir: string, o: PhotoOpts) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const maxFaces = parseNumber('--max-faces', o.maxFaces, { min: 1 });
    const ann = {
      mode: o.ann as AnnMode | undefined,
      minFaces: parseNumber('--ann-min-faces', o.annMinFaces, { min: 1 }),
      m: parseNumber('--ann-m', o.annM, { min: 2, max: 100 }),
      efConstruction: parseNumber('--ann-ef-construction', o.annEfConstruction, {
        min: 4,
        max: 1000,
      }),
    };
    const options = { dir, db: o.db, maxFaces, prune: o.prune, ann, ...modelOptions(o, g) };
    const { indexFolder, formatIndexSummary } = await import('../../search/index.js');
    // Every finished photo is committed; the one in progress is rolled back.
    const stop = abortOnInterrupt({ stopsAfter: 'the current photo', signals: ['SIGINT'] });
    let r;
    try {
      r = await withProgressBar(
        g,
        (onProgress) => indexFolder({ ...options, signal: stop.signal, onProgress }),
        true,
      );
    } finally {
      stop.release();
    }
    if (r.interrupted) process.exitCode = 130;
    print(g, r, (x) => x, formatIndexSummary);
  });
}

function registerSearchCommand(program: Command): void {
  const cmd = program
    .command('search')
    .description('the indexed faces most alike in expression to a face in an image')
    .argument('<image>', 'the query photo (JPEG, PNG or WebP)');
  addOptions(cmd, [
    ...SEARCH_OPTION_SPECS,
    ...PHOTO_MODEL_OPTION_SPECS,
    ...IMAGE_LIMIT_OPTION_SPECS,
  ]);
  cmd.action(async (image: string, o: PhotoOpts) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const options = {
      image,
      db: o.db,
      k: parseNumber('-k', o.k, { min: 1, max: DEFAULT_SEARCH.maxK }) ?? DEFAULT_SEARCH.k,
      face: parseNumber('--face', o.face, { min: 0 }),
      efSearch: parseNumber('--ef-search', o.efSearch, { min: 1, max: 10_000 }),
      exact: o.exact === true,
      ...modelOptions(o, g),
    };
    const { searchIndex, searchResultJson, formatSearchResult } =
      await import('../../search/index.js');
    print(g, await searchIndex(options), searchResultJson, formatSearchResult);
  });
}

function registerSimilarCommand(program: Command): void {
  const cmd = program
    .command('similar')
    .description('how alike two facial expressions are: distance and calibrated similarity')
    .argument('<a>', 'first photo')
    .argument('<b>', 'second photo');
  addOptions(cmd, [
    ...SIMILAR_OPTION_SPECS,
    ...PHOTO_MODEL_OPTION_SPECS,
    ...IMAGE_LIMIT_OPTION_SPECS,
  ]);
  cmd.action(async (a: string, b: string, o: PhotoOpts) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const options = {
      a,
      b,
      db: o.db,
      faceA: parseNumber('--face-a', o.faceA, { min: 0 }),
      faceB: parseNumber('--face-b', o.faceB, { min: 0 }),
      ...modelOptions(o, g),
    };
    const { compareImages, comparisonJson, formatComparison } =
      await import('../../search/index.js');
    print(g, await compareImages(options), comparisonJson, formatComparison);
  });
}

function registerOddOneOutCommand(program: Command): void {
  const cmd = program
    .command('odd-one-out')
    .description(
      'of three faces, the one whose expression is least like the other two (the FEC task)',
    )
    .argument('<a>', 'first photo')
    .argument('<b>', 'second photo')
    .argument('<c>', 'third photo');
  addOptions(cmd, [...PHOTO_MODEL_OPTION_SPECS, ...IMAGE_LIMIT_OPTION_SPECS]);
  cmd.action(async (a: string, b: string, c: string, o: PhotoOpts) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const options = { images: [a, b, c] as const, ...modelOptions(o, g) };
    const { findOddOneOut, oddOneOutJson, formatOddOneOut } = await import('../../search/index.js');
    const r = await findOddOneOut(options);
    if (r.tie && g.json) process.stderr.write('exprsim: warning: no odd one out (a tie)\n');
    print(g, r, oddOneOutJson, formatOddOneOut);
  });
}

/** Registers `index`, `search`, `similar` and `odd-one-out`. */
export function registerSearchCommands(program: Command): void {
  registerIndexCommand(program);
  registerSearchCommand(program);
  registerSimilarCommand(program);
  registerOddOneOutCommand(program);
}
