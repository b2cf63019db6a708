// Complete, self-contained HTML reports: one run, or a comparison of strategies over seeds.
import type { TopLevelSpec } from 'vega-lite';
import {
  latencyAlongRouteSpec,
  latencyOverTimeSpec,
  methodOverTimeSpec,
  missRatioBarsSpec,
  modeResidencySpec,
  planningErrorBarsSpec,
  sceneSpec,
} from './charts.js';
import { esc, figure, page, type Figure } from './html.js';
import { runMetricsTable, runsTable, summaryTable } from './tables.js';
import { networkStretchTable } from './network-tables.js';
import type { ComparisonReportData, RunReportData, RunReportOptions } from './types.js';
import { specToSvg } from './vega-svg.js';

interface PlotDef {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
  wide?: boolean;
}

/** Ids of the plots of a run report, in page order (also the ids of their sections). */
export const RUN_PLOT_IDS = ['latency-time', 'latency-route', 'method-time', 'scene'] as const;
/** Ids of the plots of a comparison report; the example-run plots (prefixed `example-`) only when `example` is set. */
export const COMPARISON_PLOT_IDS = ['miss-ratio', 'planning-error', 'mode-residency'] as const;

function runPlots(data: RunReportData, idPrefix = ''): PlotDef[] {
  const { series, scene } = data;
  return [
    {
      id: `${idPrefix}latency-time`,
      title: 'Roadside latency over time',
      caption:
        'One-way latency of the freshest roadside frame at each vehicle frame (log scale). Red marks along the top: frames with no usable roadside frame (none arrived, or it was lost).',
      spec: latencyOverTimeSpec(series),
    },
    {
      id: `${idPrefix}latency-route`,
      title: 'Roadside latency along the route',
      caption:
        'The same latency against distance along the ego route, each dot coloured by the fusion method chosen at that frame; shows where on the road the link degrades.',
      spec: latencyAlongRouteSpec(series),
    },
    {
      id: `${idPrefix}method-time`,
      title: 'Chosen fusion method over time',
      caption:
        'Top: one strip per method, filled while the vehicle used it. Bottom: occluded actors missed at each frame, on the same time axis.',
      spec: methodOverTimeSpec(series),
    },
    {
      id: `${idPrefix}scene`,
      title: 'Scene, top down',
      caption:
        'Lanes (grey), RSUs (squares) with their sensor range (dashed rings), the ego path (black) and actor paths coloured by class; a dot marks where each path starts. Equal scale on both axes.',
      spec: sceneSpec(scene),
      wide: true,
    },
  ];
}

async function renderFigures(plots: readonly PlotDef[]): Promise<string> {
  const figures: Figure[] = [];
  // Sequential: vega views are cheap, and ordered rendering keeps the output deterministic.
  for (const p of plots) {
    figures.push({ id: p.id, title: p.title, caption: p.caption, svg: await specToSvg(p.spec, p.id, p.title), wide: p.wide ?? false });
  }
  return `<div class="grid">\n${figures.map(figure).join('\n')}\n</div>`;
}

/** A report of one run: title, the four run plots, the metrics table, the attribution footer. */
export async function renderRunReport(data: RunReportData, options: RunReportOptions = {}): Promise<string> {
  const m = data.metrics;
  const body = [
    '<h2>Plots</h2>',
    await renderFigures(runPlots(data)),
    '<h2>Metrics</h2>',
    `<div class="table-wrap">${runMetricsTable(m)}</div>`,
    `<div class="table-wrap">${networkStretchTable(m)}</div>`,
  ].join('\n');
  return page({
    title: `${m.scenario} · ${m.network} · ${m.strategy} · seed ${m.seed}`,
    subtitle: `Scenario ${m.scenario}, network ${m.network}, strategy ${m.strategy}, seed ${m.seed}, ${m.durationS.toFixed(1)} s simulated.`,
    body,
    ...(options.attribution ? { attribution: options.attribution } : {}),
  });
}

/** A report comparing strategies over seeds, with an example run's time plots when `data.example` is set. */
export async function renderComparisonReport(data: ComparisonReportData): Promise<string> {
  const plots: PlotDef[] = [
    {
      id: 'miss-ratio',
      title: 'Fusion miss ratio per strategy',
      caption: 'Bar: mean over seeds; error bar: ±1 standard deviation (clamped at 0); dots: individual seeds. Lower is better.',
      spec: missRatioBarsSpec(data.summary, data.runs),
    },
    {
      id: 'planning-error',
      title: 'Mean planning displacement error per strategy',
      caption: 'Bar: mean over seeds of each run’s mean displacement error; error bar: ±1 standard deviation; dots: individual seeds. Lower is better.',
      spec: planningErrorBarsSpec(data.summary, data.runs),
    },
    {
      id: 'mode-residency',
      title: 'Mode residency per strategy',
      caption: 'Share of vehicle frames fused with each method, averaged over seeds; each bar sums to 100%.',
      spec: modeResidencySpec(data.summary),
      wide: true,
    },
  ];
  const strategies = data.summary.map((s) => s.strategy);
  const parts = [
    '<h2>Strategies compared</h2>',
    await renderFigures(plots),
    `<div class="table-wrap">${summaryTable(data.summary)}</div>`,
  ];
  const ex = data.example;
  if (ex) {
    const em = ex.metrics;
    parts.push(
      `<h2>Example run: ${esc(em.strategy)}, seed ${esc(em.seed)}</h2>`,
      await renderFigures(runPlots(ex, 'example-')),
      `<div class="table-wrap">${runMetricsTable(em)}</div>`,
      `<div class="table-wrap">${networkStretchTable(em)}</div>`,
    );
  }
  parts.push('<h2>All runs</h2>', `<div class="table-wrap">${runsTable(data.runs)}</div>`);
  return page({
    title: `${data.scenario} · ${data.network} · ${strategies.length} strategies × ${data.seeds.length} seeds`,
    subtitle: `Scenario ${data.scenario}, network ${data.network}; strategies ${strategies.join(', ')}; seeds ${data.seeds.join(', ')}.`,
    body: parts.join('\n'),
    ...(data.attribution ? { attribution: data.attribution } : {}),
  });
}
