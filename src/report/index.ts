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
export { htmlTable, markdownTable, tableRows, type RunCost, type TableRow } from './table.js';
export { runGroups, writeReport, type ReportOptions, type ReportResult } from './report.js';
export { formatTick, linearScale, niceStep, niceTicks } from './scale.js';
export {
  conditionalProbabilities,
  jointProbabilities,
  klDivergence,
  klGradient,
  squaredDistances,
  tsne,
  type TsneOptions,
  type TsneResult,
} from './tsne.js';
export {
  embeddingMapChart,
  embeddingMapGroups,
  type EmbeddingMapOptions,
} from './embedding-map.js';
export {
  planReportExitCode,
  planReportJson,
  runExperimentWithReport,
  type PlanReportEvent,
  type PlanReportOptions,
  type PlanReportResult,
} from './plan-report.js';
export { DEFAULT_REPORT, DEFAULT_TSNE } from './defaults.js';
