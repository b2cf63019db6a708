// The visual report: self-contained HTML with vega-lite plots rendered to inline SVG.
export * from './types.js';
export { renderRunReport, renderComparisonReport, RUN_PLOT_IDS, COMPARISON_PLOT_IDS } from './render.js';
export {
  latencyOverTimeSpec,
  latencyAlongRouteSpec,
  methodOverTimeSpec,
  missRatioBarsSpec,
  planningErrorBarsSpec,
  modeResidencySpec,
  sceneSpec,
  methodDomain,
  methodColours,
} from './charts.js';
export { specToSvg } from './vega-svg.js';
