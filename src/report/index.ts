export {
  barChart,
  lineChart,
  scatterChart,
  PALETTE,
  type Bar,
  type ChartFrame,
  type Point as ChartPoint,
  type ScatterGroup,
  type Series,
} from './charts.js';
export { svgToPng, writeChart } from './png.js';
export { evalSummary, loadRun, movingAverage, type EvalSummary, type RunInfo } from './runs.js';
export { htmlTable, markdownTable, tableRows, type RunCost, type TableRow } from './table.js';
export { runGroups, writeReport, type ReportOptions, type ReportResult } from './report.js';
export { formatTick, linearScale, niceStep, niceTicks } from './scale.js';
