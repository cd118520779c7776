import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SEARCH } from '../../search/defaults.js';
import { parseNumber, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { registerIndexCommand } from './index-folder.js';
import { registerOddOneOutCommand } from './odd-one-out.js';
import {
  boxText,
  jsonBox,
  modelOptions,
  round,
  withModelOptions,
  type ModelOpts,
} from './photo-options.js';
import { registerSimilarCommand } from './similar.js';

/** Commander's values, under the keys of `SearchIndexOptions`. */
interface SearchOpts extends ModelOpts {
  db: string;
  k?: string;
  face?: string;
}

function registerSearchCommand(program: Command): void {
  withModelOptions(
    program
      .command('search')
      .description('the indexed faces most alike in expression to a face in an image')
      .argument('<image>', 'the query photo (JPEG, PNG or WebP)')
      .requiredOption('--db <path|url>', 'the index: an SQLite file, or a postgres:// URL')
      .option('-k, --k <n>', 'how many faces to return', String(DEFAULT_SEARCH.k))
      .option(
        '--face <n>',
        'which face of the query photo (0 = highest detector score; default: the largest)',
      ),
  ).action(async (image: string, o: SearchOpts, cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const options = {
      image,
      db: o.db,
      k: parseNumber('-k', o.k, { min: 1, max: DEFAULT_SEARCH.maxK }) ?? DEFAULT_SEARCH.k,
      face: parseNumber('--face', o.face, { min: 0 }),
      ...modelOptions(o, g),
    };
    const { searchIndex } = await import('../../search/index.js');
    const r = await searchIndex(options);
    const results = r.neighbours.map((n, i) => ({
      rank: i + 1,
      distance: round(n.distance, 6),
      path: n.face.path,
      file: resolve(r.root, n.face.path),
      faceId: n.face.id,
      photoId: n.face.photoId,
      face: n.face.face,
      box: jsonBox(n.face.box),
      score: round(n.face.score),
    }));
    if (g.json) {
      const q = r.query;
      printJson({
        db: r.db,
        root: r.root,
        model: r.model,
        query: {
          file: image,
          faces: q.faces,
          face: q.face,
          box: jsonBox(q.box),
          score: round(q.score),
        },
        results,
      });
      return;
    }
    const lines = [
      `search: face ${r.query.face} of ${r.query.faces} in ${image} (${boxText(r.query.box)}), model ${r.model}`,
      `rank  distance  photo (face)`,
    ];
    for (const x of results) {
      lines.push(
        `${String(x.rank).padStart(4)}  ${x.distance.toFixed(4).padStart(8)}  ${x.path} (face ${x.face}, ${boxText(x.box)})`,
      );
    }
    if (results.length === 0) lines.push('  (the index holds no faces)');
    printLines(lines);
  });
}

/** Registers `index`, `search`, `similar` and `odd-one-out`. */
export function registerSearchCommands(program: Command): void {
  registerIndexCommand(program);
  registerSearchCommand(program);
  registerSimilarCommand(program);
  registerOddOneOutCommand(program);
}
