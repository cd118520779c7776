import type { Command } from 'commander';
import { TIE_RULES } from '../../data/defaults.js';
import type { FecInfo, TieRule } from '../../index.js';
import { parseNumber, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';
import { registerFecCommands } from './data-fec.js';
import { registerTripletsCommand } from './data-triplets.js';
import { registerFerplusTripletsCommand } from './data-ferplus.js';

// The data commands need no tensors: the data stage's entry loads neither TensorFlow.js nor sharp.

function infoLines(info: FecInfo, showBad: number): string[] {
  const pct = (n: number) => (info.rows === 0 ? '0%' : `${((100 * n) / info.rows).toFixed(1)}%`);
  const lines = [
    `file:          ${info.file}`,
    `rows:          ${info.rows} valid, ${info.badRows} bad${info.blankLines > 0 ? `, ${info.blankLines} blank line${info.blankLines > 1 ? 's' : ''} skipped` : ''}`,
  ];
  if (info.badRows > 0) {
    lines.push(
      `bad rows (first ${Math.min(showBad, info.firstBadRows.length)} of ${info.badRows}):`,
    );
    for (const b of info.firstBadRows.slice(0, showBad))
      lines.push(`  line ${b.line}: ${b.reason}`);
  }
  lines.push(
    `unique images: ${info.uniqueImages} (${info.uniqueCrops} distinct URL+box crops)`,
    `types:         ${Object.entries(info.types)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
    `raters/row:    ${
      Object.entries(info.raterCounts)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ') || '-'
    }`,
    'agreement (fraction of raters agreeing with the majority):',
  );
  const widest = Math.max(1, ...info.agreement.map((b) => b.rows), info.ties);
  for (const b of info.agreement) {
    lines.push(
      `  ${b.fraction.padStart(5)} (${b.value.toFixed(2)}) ${String(b.rows).padStart(8)} ${pct(b.rows).padStart(6)} ${'#'.repeat(Math.round((30 * b.rows) / widest))}`,
    );
  }
  lines.push(
    `  ${'tie'.padStart(5)}        ${String(info.ties).padStart(8)} ${pct(info.ties).padStart(6)} ${'#'.repeat(Math.round((30 * info.ties) / widest))}`,
  );
  const t = info.triplets;
  lines.push(
    `triplets:      ${t.kept} kept (ties ${t.options.ties === 'drop' ? `dropped: ${t.droppedTies}` : 'broken by lowest image'}` +
      `${t.options.minAgreement > 0 ? `; ${t.droppedLowAgreement} under agreement ${t.options.minAgreement}` : ''})`,
  );
  return lines;
}

/** Registers `exprsim data …`: fec-info, fec-download, fec-triplets, triplets. */
export function registerDataCommands(program: Command): void {
  const data = program
    .command('data')
    .description('datasets: FEC CSVs and images, labelled sets, triplet files');
  registerFerplusTripletsCommand(data);

  data
    .command('fec-info')
    .description(
      'validate an FEC CSV and summarise it: rows, bad rows, images, types, rater agreement',
    )
    .argument('<file>', 'faceexp-comparison-data-{train,test}-public.csv')
    .option('--min-agreement <t>', 'count triplets with at least this rater agreement (0..1)')
    .option('--ties <rule>', `tied votes: ${TIE_RULES.join(' or ')} (default drop)`)
    .option('--bad-rows <n>', 'bad rows to list', '5')
    .action(
      async (
        file: string,
        o: { minAgreement?: string; ties?: string; badRows: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const showBad = parseNumber('--bad-rows', o.badRows) as number;
        const { fecInfo } = await import('../../data/index.js');
        const b = progressBar(g);
        const info = await fecInfo(file, {
          minAgreement: parseNumber('--min-agreement', o.minAgreement, { int: false, max: 1 }),
          ties: o.ties as TieRule | undefined,
          keepBadRows: Math.max(showBad, 20),
          onProgress: b.update,
        });
        b.done();
        if (g.json) printJson(info);
        else printLines(infoLines(info, showBad));
      },
    );

  registerFecCommands(data);
  registerTripletsCommand(data);
}
