/**
 * @ffi-kit/bench: the call-path benchmark suite of ffi-kit (benchmark.js), its reports (JSON, Markdown, SVG,
 * history) and the statistical baseline comparison that fails CI on a real regression.
 *
 * @example
 * import { runSuite, FULL_SETTINGS, markdownReport } from "@ffi-kit/bench";
 * console.log(markdownReport(await runSuite({ mode: "full", ...FULL_SETTINGS })));
 */
export { runSuite, clockOf, machineInfo, runtimeInfo, FULL_SETTINGS, CI_SETTINGS, CI_SELECTION, type RunOptions, type Selection } from "./suite.js";
export { measureGroup, type GroupSpec, type PathSpec, type MeasureOptions, type PathMeasurement, type Clock, isolatedPath } from "./measure.js";
export { summariseGroup } from "./summarise.js";
export { nodeCases, CALLBACKS_PER_ITERATION, type NodeCases } from "./node-cases.js";
export { fastEngineCases, runFastEngineGroups, FAST_ENGINE_GROUPS } from "./fast-engine-groups.js";
export { optionalGroups, optionalLoaders, type OptionalGroups, type OptionalLoader } from "./optional-groups.js";
export { compareReports, comparisonMarkdown, confirmComparison, DEFAULT_COMPARE, type CompareOptions, type CaseComparison, type Comparison } from "./compare.js";
export { welchTTest, mannWhitneyU, mean, median, variance, relativeMarginOfError, studentTTwoSided, incompleteBeta, normalTwoSided, type TestResult } from "./statistics.js";
export { markdownReport, formatNs } from "./markdown-report.js";
export { barChartSvg, trendChartSvg, majorsChartSvg } from "./svg-charts.js";
export { nodeMajor, baselineFileName, baselineMajors, chooseBaseline, type BaselineChoice } from "./baselines.js";
export { majorReportFile, readMajorReports, majorsMarkdown } from "./majors.js";
export { appendHistory, readHistory, historyLine, type HistoryLine } from "./history.js";
export { parseSlowdowns, applySlowdown } from "./slowdown.js";
export { findBun, runBun } from "./bun-runner.js";
export { benchLibraryPath, loadFloorAddon, type FloorAddon } from "./native-library.js";
export type { BenchReport, CaseResult, MachineInfo, RuntimeInfo, BunSection } from "./schema.js";
