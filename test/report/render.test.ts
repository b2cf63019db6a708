// The visual report: HTML structure checks, then the real thing in headless Chromium (screenshot + rendered DOM).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  COMPARISON_PLOT_IDS,
  RUN_PLOT_IDS,
  renderComparisonReport,
  renderRunReport,
  type ComparisonReportData,
  type RunReportData,
} from '../../sim/report/index.js';
import { sceneFrame } from '../../sim/report/charts.js';
import { METRIC_FIELDS } from '../../sim/report/tables.js';
import { capture, chromiumOrSkip } from './chromium.js';
import { makeComparison, makeRun } from './fixtures.js';
import { PNG_SIGNATURE, decodePng, pixelStats } from './png.js';

const SVG_NAMESPACES = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']);
// Method colours of the report (charts.ts); each must show up as solid pixels in the method/residency plots.
const METHOD_HEX = ['#0072B2', '#009E73', '#E69F00', '#8C8C8C'];
const BAR_HEX = '#9ecae1';

const count = (html: string, re: RegExp): number => (html.match(re) ?? []).length;
/** Text content without tags and with the common entities decoded, to search the way a reader sees the page. */
const text = (html: string): string =>
  html
    .replace(/<wbr>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The markup of one section (from its opening tag to the next section), by id. */
function section(html: string, id: string): string {
  const at = html.indexOf(`<section class="plot`);
  const idAt = html.indexOf(` id="${id}">`, at);
  assert.ok(at >= 0 && idAt >= 0, `section ${id} missing`);
  const start = html.lastIndexOf('<section', idAt);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end);
}

/** Every [name, value] attribute of every tag (the report quotes all values and escapes '"' inside them). */
function attributes(html: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const tag of html.match(/<[A-Za-z][^>]*>/g) ?? []) {
    for (const m of tag.matchAll(/\s([^\s="'<>\/]+)(?:="([^"]*)")?/g)) out.push([m[1] ?? '', m[2] ?? '']);
  }
  return out;
}

function assertSelfContained(html: string): void {
  for (const url of html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []) {
    assert.ok(SVG_NAMESPACES.has(url), `external URL in the report: ${url}`);
  }
  assert.equal(count(html, /<script\b/gi), 0, 'no scripts');
  assert.equal(count(html, /<(link|iframe|img|object|embed|image|use|base)\b/gi), 0, 'no elements that load');
  for (const [name, value] of attributes(html)) {
    if (/^(src|srcset|href|xlink:href|action|data|poster)$/i.test(name)) assert.match(value, /^#/, `${name}="${value}"`);
    assert.doesNotMatch(name, /^on/i, `event handler attribute ${name}`);
  }
  assert.equal(count(html, /@import/g), 0, 'no CSS imports');
  for (const u of html.match(/url\([^)]*\)/g) ?? []) assert.match(u, /^url\(#/, `non-local url(): ${u}`);
}

function assertUniqueIds(html: string): void {
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(dup, [], 'ids must be unique on the page (several inline SVGs share one id space)');
}

describe('report: self-contained HTML with vega-lite SVG plots', function () {
  this.timeout(30_000);
  let run: RunReportData;
  let cmp: ComparisonReportData;
  let runHtml: string;
  let cmpHtml: string;

  before(async function () {
    run = makeRun();
    cmp = makeComparison();
    runHtml = await renderRunReport(run, { attribution: 'Traces: CICV5G dataset, CC BY 4.0' });
    cmpHtml = await renderComparisonReport(cmp);
  });

  describe('HTML', () => {
    it('run report: one <svg> per plot, each in its section, with a title naming scenario/network/strategy/seed', () => {
      assert.equal(count(runHtml, /<svg\b/g), RUN_PLOT_IDS.length);
      for (const id of RUN_PLOT_IDS) assert.equal(count(section(runHtml, id), /<svg\b/g), 1, `plot ${id}`);
      const title = text(runHtml.slice(runHtml.indexOf('<h1>'), runHtml.indexOf('</h1>')));
      for (const part of ['occluded-crossing', 'cicv5g-private-5g', 'adaptive-st', 'seed 1']) assert.ok(title.includes(part), part);
      assert.ok(text(runHtml).includes('Traces: CICV5G dataset, CC BY 4.0'), 'attribution footer');
    });

    it('comparison report: the three per-strategy plots plus the example run’s four, and the attribution', async () => {
      const ids = [...COMPARISON_PLOT_IDS, ...RUN_PLOT_IDS.map((id) => `example-${id}`)];
      assert.equal(count(cmpHtml, /<svg\b/g), ids.length);
      for (const id of ids) assert.equal(count(section(cmpHtml, id), /<svg\b/g), 1, `plot ${id}`);
      assert.ok(text(cmpHtml).includes('CICV5G dataset (Zhang et al., Zenodo doi 10.5281/zenodo.17475688), licensed CC BY 4.0'));
      const { example: _omit, ...noExample } = cmp;
      const bare = await renderComparisonReport(noExample);
      assert.equal(count(bare, /<svg\b/g), COMPARISON_PLOT_IDS.length);
    });

    it('the run metrics table lists every metric with its value, and every mode_residency method', () => {
      const table = runHtml.slice(runHtml.indexOf('<table class="metrics"'), runHtml.indexOf('</table>') + 8);
      const t = text(table);
      for (const f of METRIC_FIELDS) {
        assert.ok(t.includes(f.key), `metric ${f.key}`);
        assert.ok(t.includes(f.format(run.metrics)), `value of ${f.key}`);
      }
      for (const m of Object.keys(run.metrics.mode_residency)) assert.ok(t.includes(`mode_residency.${m}`), m);
      assert.equal(count(table, /<tr>/g), 1 + METRIC_FIELDS.length + Object.keys(run.metrics.mode_residency).length);
    });

    it('the comparison tables: a column per metric, a row per (strategy, seed), a row per strategy', () => {
      const runsTable = cmpHtml.slice(cmpHtml.indexOf('<table class="runs"'));
      const head = text(runsTable.slice(0, runsTable.indexOf('</thead>')));
      for (const f of METRIC_FIELDS) assert.ok(head.includes(f.key), `column ${f.key}`);
      assert.ok(head.includes('mode_residency'));
      assert.equal(count(runsTable.slice(0, runsTable.indexOf('</table>')), /<tr>/g), 1 + cmp.runs.length);
      const summary = cmpHtml.slice(cmpHtml.indexOf('<table class="summary"'));
      assert.equal(count(summary.slice(0, summary.indexOf('</table>')), /<tr>/g), 1 + cmp.summary.length);
      assert.ok(text(summary).includes('0.117 ± 0.031'), 'mean ± std of adaptive-st miss ratio');
    });

    it('loads nothing: no URL but the SVG namespaces, no scripts, a CSP that forbids fetching', () => {
      assertSelfContained(runHtml);
      assertSelfContained(cmpHtml);
      assert.match(cmpHtml, /Content-Security-Policy" content="default-src 'none'/);
    });

    it('ids are unique across all inline SVGs, and rendering is deterministic', async () => {
      assertUniqueIds(runHtml);
      assertUniqueIds(cmpHtml);
      assert.equal(await renderRunReport(run, { attribution: 'Traces: CICV5G dataset, CC BY 4.0' }), runHtml);
    });

    it('escapes every user text: a strategy named <script> is shown as text, in tables, titles and plots', async () => {
      const evil = '<script>alert("x")</script>';
      const data = makeComparison([evil, 'a&b', 'vehicle-only'], [1, 2]);
      data.scenario = '<b>scn</b>';
      const example = data.example;
      assert.ok(example);
      example.scene.rsus[0] = { id: '<rsu onload="x">', xM: 100, yM: 9, rangeM: 60 };
      example.series.method[3] = '<img src=x>';
      data.attribution = '</footer><script>bad()</script>';
      const html = await renderComparisonReport(data);
      assert.equal(count(html, /<script\b/gi), 0);
      assert.equal(count(html, /<img\b|<b>|<rsu\b/gi), 0);
      assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), 'escaped in HTML text');
      assert.ok(count(html, /&lt;script&gt;alert/g) >= 4, 'title, summary and runs tables, plot axis labels');
      assert.ok(text(html).includes(evil));
      assertSelfContained(html);
      assertUniqueIds(html);
    });

    it('copes with missing values: null metrics, no latency at all, an empty scene', async () => {
      const r = makeRun('vehicle-only', 2);
      r.series.latencyMs = r.series.latencyMs.map(() => null);
      r.metrics.fusion_miss_ratio = null;
      r.metrics.e2e_latency_ms = { p50: null, p99: null };
      r.scene = { lanes: [], rsus: [], egoPath: [], actorPaths: [] };
      const html = await renderRunReport(r);
      assert.equal(count(html, /<svg\b/g), RUN_PLOT_IDS.length);
      assert.ok(text(html).includes('—'), 'null shown as a dash');
      const c = makeComparison();
      const first = c.summary[0];
      assert.ok(first);
      first.fusion_miss_ratio = { mean: null, std: null };
      for (const run of c.runs) if (run.strategy === first.strategy) run.fusion_miss_ratio = null;
      const cHtml = await renderComparisonReport(c);
      assert.ok(section(cHtml, 'miss-ratio').includes('n/a'), 'a strategy without a value says so');
    });

    it('the top-down view has an equal aspect ratio (same metres per pixel on both axes)', () => {
      const f = sceneFrame(run.scene);
      const mPerPxX = (f.x[1] - f.x[0]) / f.width;
      const mPerPxY = (f.y[1] - f.y[0]) / f.height;
      assert.ok(Math.abs(mPerPxX / mPerPxY - 1) < 0.01, `${mPerPxX} vs ${mPerPxY}`);
      const thin = sceneFrame({ ...run.scene, rsus: [], actorPaths: [], lanes: [[{ xM: 0, yM: 0 }, { xM: 500, yM: 1 }]] });
      assert.ok(thin.height >= 200, 'a thin scene is padded to a readable height');
      assert.ok(Math.abs((thin.x[1] - thin.x[0]) / thin.width / ((thin.y[1] - thin.y[0]) / thin.height) - 1) < 0.01);
    });
  });

  describe('in headless Chromium', function () {
    let dir: string;
    before(function () {
      dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-report-'));
    });
    after(function () {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function shoot(ctx: Mocha.Context, name: string, html: string) {
      const bin = chromiumOrSkip(ctx);
      const htmlFile = path.join(dir, `${name}.html`);
      const pngFile = path.join(dir, `${name}.png`);
      writeFileSync(htmlFile, html);
      const { dom } = await capture(bin, htmlFile, pngFile);
      // Set IAAD_REPORT_SHOTS=<dir> to keep the screenshots for a look.
      const keep = process.env.IAAD_REPORT_SHOTS;
      if (keep) {
        mkdirSync(keep, { recursive: true });
        copyFileSync(pngFile, path.join(keep, `${name}.png`));
        copyFileSync(htmlFile, path.join(keep, `${name}.html`));
      }
      const bytes = readFileSync(pngFile);
      assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
      assert.ok(statSync(pngFile).size > 50_000, `screenshot of ${statSync(pngFile).size} bytes is suspiciously small`);
      return { dom, png: decodePng(bytes) };
    }

    function assertNotBlank(png: ReturnType<typeof decodePng>, colours: readonly string[]): void {
      assert.equal(png.width, 1280);
      assert.equal(png.height, 2400);
      const s = pixelStats(png, colours);
      assert.ok(s.inkRatio > 0.05, `only ${(s.inkRatio * 100).toFixed(2)}% of pixels differ from the background`);
      assert.ok(s.distinctColours > 200, `only ${s.distinctColours} distinct colours (text is anti-aliased)`);
      assert.ok(s.lumaVariance > 50, `luma variance ${s.lumaVariance.toFixed(1)}`);
      for (const hex of colours) assert.ok((s.hits.get(hex) ?? 0) > 100, `colour ${hex} drawn (${s.hits.get(hex)} px)`);
    }

    it('run report: every plot is in the rendered DOM, and the screenshot shows them in colour', async function () {
      this.timeout(90_000); // a safety net above capture's own 60 s limit
      const { dom, png } = await shoot(this, 'run', runHtml);
      assert.equal(count(dom, /<svg\b[^>]*role="graphics-document[^>]*class="marks"/g), RUN_PLOT_IDS.length, 'vega SVGs in the DOM');
      assert.ok(count(dom, /class="mark-/g) > 20, 'SVG mark groups parsed');
      assert.ok(dom.includes('<table class="metrics">'), 'metrics table in the DOM');
      assertNotBlank(png, METHOD_HEX);
    });

    it('comparison report: every plot is in the rendered DOM, bars and residency stacks are drawn', async function () {
      this.timeout(90_000); // a safety net above capture's own 60 s limit
      const { dom, png } = await shoot(this, 'comparison', cmpHtml);
      assert.equal(count(dom, /<svg\b[^>]*role="graphics-document[^>]*class="marks"/g), COMPARISON_PLOT_IDS.length + RUN_PLOT_IDS.length);
      assert.ok(dom.includes('<table class="runs">'));
      assertNotBlank(png, [BAR_HEX, ...METHOD_HEX]);
    });
  });
});
