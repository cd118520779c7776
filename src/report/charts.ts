import { formatTick, linearScale, niceTicks } from './scale.js';

/**
 * Small SVG charts for reports: line charts (accuracy and loss curves), bar charts with
 * intervals (test accuracy), scatter plots (detection rate against accuracy, 2-D embedding
 * maps). Plain SVG 1.1 with explicit fonts, so librsvg (sharp) renders the same picture as a
 * browser; see png.ts.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface ChartFrame {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Fixed axis ranges (default: the data's, widened to nice ticks). */
  xDomain?: [number, number];
  yDomain?: [number, number];
}

/** Tableau 10: distinct, colour-blind-aware hues. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
export const colourOf = (i: number): string => PALETTE[i % PALETTE.length];

const FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const r2 = (v: number) => Math.round(v * 100) / 100;

interface Plot {
  parts: string[];
  x: (v: number) => number;
  y: (v: number) => number;
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Frame, axes, ticks, grid and labels; returns the scales for the marks. */
function frame(
  f: ChartFrame,
  xs: number[],
  ys: number[],
  legendRows: number,
  xTicks?: { values: number[]; labels: string[] },
  extraBottom = 0,
  extraLeft = 0,
): Plot {
  const width = f.width ?? 720;
  const height = (f.height ?? 420) + extraBottom;
  const legendHeight = legendRows > 0 ? 18 * legendRows + 8 : 0;
  const left = 70 + extraLeft;
  const right = width - 20;
  const top = 40;
  const bottom = height - 50 - legendHeight - extraBottom;
  const [x0, x1] = f.xDomain ?? [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = f.yDomain ?? [Math.min(...ys), Math.max(...ys)];
  const nx = niceTicks(x0, x1, 6);
  const ny = niceTicks(y0, y1, 5);
  const xd: [number, number] = xTicks ? [x0, x1] : [nx.lo, nx.hi];
  const x = linearScale(xd[0], xd[1], left, right);
  const y = linearScale(ny.lo, ny.hi, bottom, top);
  const parts: string[] = [
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-family="${FONT}" font-size="16" font-weight="bold">${escapeXml(f.title)}</text>`,
  ];
  for (const t of ny.ticks) {
    const py = r2(y(t));
    parts.push(
      `<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${left - 8}" y="${py + 4}" text-anchor="end" font-family="${FONT}" font-size="11" fill="#333">${formatTick(t, ny.step)}</text>`,
    );
  }
  const xt = xTicks ?? { values: nx.ticks, labels: nx.ticks.map((t) => formatTick(t, nx.step)) };
  xt.values.forEach((t, i) => {
    const px = r2(x(t));
    parts.push(
      `<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="#333"/>`,
      `<text x="${px}" y="${bottom + 18}" text-anchor="middle" font-family="${FONT}" font-size="11" fill="#333">${escapeXml(xt.labels[i])}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${(left + right) / 2}" y="${bottom + 38}" text-anchor="middle" font-family="${FONT}" font-size="13">${escapeXml(f.xLabel)}</text>`,
    `<text x="${left - 52}" y="${(top + bottom) / 2}" text-anchor="middle" font-family="${FONT}" font-size="13" transform="rotate(-90 ${left - 52} ${(top + bottom) / 2})">${escapeXml(f.yLabel)}</text>`,
  );
  return { parts, x, y, width, height, left, right, top, bottom };
}

/** Legend below the plot: swatch + name, wrapped into rows. */
function legend(p: Plot, names: string[], marker: 'line' | 'dot'): void {
  const colWidth = legendColumn(names);
  const perRow = Math.max(1, Math.floor((p.right - p.left) / colWidth));
  names.forEach((name, i) => {
    const col = i % perRow;
    const row = Math.floor(i / perRow);
    const lx = p.left + col * colWidth;
    const ly = p.bottom + 58 + row * 18;
    const c = colourOf(i);
    p.parts.push(
      marker === 'line'
        ? `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${c}" stroke-width="3"/>`
        : `<circle cx="${lx + 9}" cy="${ly - 4}" r="5" fill="${c}"/>`,
      `<text x="${lx + 24}" y="${ly}" font-family="${FONT}" font-size="11">${escapeXml(truncate(name, LEGEND_CHARS))}</text>`,
    );
  });
}

const LEGEND_CHARS = 40;
/** Legend column width for these names: ~6.5 px per 11-px character, swatch and gap. */
const legendColumn = (names: string[]) =>
  Math.max(150, 40 + 6.5 * Math.min(LEGEND_CHARS, Math.max(...names.map((n) => n.length))));

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function svg(p: Plot): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}">\n${p.parts.join('\n')}\n</svg>\n`;
}

const legendRowsFor = (names: string[], width: number) =>
  names.length <= 1
    ? 0
    : Math.ceil(names.length / Math.max(1, Math.floor((width - 90) / legendColumn(names))));

/** One polyline per series (points sorted by x), with a legend when there are several. */
export function lineChart(f: ChartFrame, series: Series[]): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError(`chart "${f.title}" has no points`);
  const p = frame(
    f,
    all.map((q) => q.x),
    all.map((q) => q.y),
    legendRowsFor(
      series.map((s) => s.name),
      f.width ?? 720,
    ),
  );
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const c = colourOf(i);
    if (pts.length === 1) {
      p.parts.push(
        `<circle cx="${r2(p.x(pts[0].x))}" cy="${r2(p.y(pts[0].y))}" r="3" fill="${c}"/>`,
      );
    } else {
      const d = pts.map((q) => `${r2(p.x(q.x))},${r2(p.y(q.y))}`).join(' ');
      p.parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${d}"><title>${escapeXml(s.name)}</title></polyline>`,
      );
    }
  });
  if (series.length > 1)
    legend(
      p,
      series.map((s) => s.name),
      'line',
    );
  return svg(p);
}

export interface Bar {
  name: string;
  value: number;
  /** Interval drawn as an error bar (e.g. a 95% bootstrap interval). */
  low?: number;
  high?: number;
}

const BAR_CHARS = 40;
const RAD35 = (35 * Math.PI) / 180;

/** Vertical bars with optional intervals, value labels above. */
export function barChart(f: ChartFrame, bars: Bar[]): string {
  if (bars.length === 0) throw new RangeError(`chart "${f.title}" has no bars`);
  const ys = bars.flatMap((b) => [b.value, b.low ?? b.value, b.high ?? b.value]);
  // Bar names are written under the axis, slanted 35°: room below for their height, and on the
  // left for the first name's run (which starts half a slot right of the axis).
  const nameWidth = 6.5 * Math.min(BAR_CHARS, Math.max(...bars.map((b) => b.name.length)));
  const extraLeft = Math.max(0, Math.round(nameWidth * Math.cos(RAD35) - 100));
  const width = f.width ?? Math.max(480, 90 + bars.length * 70) + extraLeft;
  const yDomain = f.yDomain ?? [Math.min(...ys) - 0.02, Math.max(...ys) + 0.02];
  const p = frame(
    { ...f, width, yDomain },
    [0, bars.length],
    ys,
    0,
    { values: [], labels: [] },
    Math.round(nameWidth * Math.sin(RAD35) + 10),
    extraLeft,
  );
  const slot = (p.right - p.left) / bars.length;
  bars.forEach((b, i) => {
    const cx = p.left + slot * (i + 0.5);
    const w = Math.min(48, slot * 0.6);
    const yv = p.y(b.value);
    const base = p.bottom;
    p.parts.push(
      `<rect x="${r2(cx - w / 2)}" y="${r2(Math.min(yv, base))}" width="${r2(w)}" height="${r2(Math.abs(base - yv))}" fill="${colourOf(i)}"><title>${escapeXml(b.name)}: ${b.value}</title></rect>`,
    );
    if (b.low !== undefined && b.high !== undefined) {
      const [yl, yh] = [r2(p.y(b.low)), r2(p.y(b.high))];
      p.parts.push(
        `<line x1="${r2(cx)}" y1="${yl}" x2="${r2(cx)}" y2="${yh}" stroke="#222" stroke-width="1.5"/>`,
        `<line x1="${r2(cx - 6)}" y1="${yl}" x2="${r2(cx + 6)}" y2="${yl}" stroke="#222" stroke-width="1.5"/>`,
        `<line x1="${r2(cx - 6)}" y1="${yh}" x2="${r2(cx + 6)}" y2="${yh}" stroke="#222" stroke-width="1.5"/>`,
      );
    }
    const labelY = r2(p.y(b.high ?? b.value) - 6);
    p.parts.push(
      `<text x="${r2(cx)}" y="${labelY}" text-anchor="middle" font-family="${FONT}" font-size="11">${b.value.toFixed(1)}</text>`,
      `<text x="${r2(cx)}" y="${p.bottom + 14}" text-anchor="end" font-family="${FONT}" font-size="11" transform="rotate(-35 ${r2(cx)} ${p.bottom + 14})">${escapeXml(truncate(b.name, BAR_CHARS))}</text>`,
    );
  });
  return svg(p);
}

export interface ScatterGroup {
  name: string;
  points: (Point & { label?: string })[];
}

/** Dots, one colour per group, optional text labels beside the dots. */
export function scatterChart(f: ChartFrame, groups: ScatterGroup[], radius = 3): string {
  const all = groups.flatMap((g) => g.points);
  if (all.length === 0) throw new RangeError(`chart "${f.title}" has no points`);
  const p = frame(
    f,
    all.map((q) => q.x),
    all.map((q) => q.y),
    legendRowsFor(
      groups.map((g) => g.name),
      f.width ?? 720,
    ),
  );
  groups.forEach((g, i) => {
    for (const q of g.points) {
      const [cx, cy] = [r2(p.x(q.x)), r2(p.y(q.y))];
      p.parts.push(
        `<circle cx="${cx}" cy="${cy}" r="${radius}" fill="${colourOf(i)}" fill-opacity="0.8"/>`,
      );
      if (q.label !== undefined) {
        // Right of the dot, or left of it where the text would run past the plot's right edge.
        const left = cx + radius + 3 + 6.5 * q.label.length > p.right;
        p.parts.push(
          `<text x="${left ? r2(cx - radius - 3) : r2(cx + radius + 3)}" y="${r2(cy + 4)}"${left ? ' text-anchor="end"' : ''} font-family="${FONT}" font-size="11">${escapeXml(q.label)}</text>`,
        );
      }
    }
  });
  if (groups.length > 1)
    legend(
      p,
      groups.map((g) => g.name),
      'dot',
    );
  return svg(p);
}
