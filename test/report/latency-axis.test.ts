// The latency plots under fixed delays: 0 ms is a frame (not "no roadside frame"), and a constant latency still
// gets an axis whose tick labels stand at their own heights.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOST_LABEL, latencyAlongRouteSpec, latencyDomainMs, latencyOverTimeSpec } from '../../sim/report/charts.js';
import { renderRunReport, type RunSeries } from '../../sim/report/index.js';
import { specToSvg } from '../../sim/report/vega-svg.js';
import { capture, chromiumOrSkip } from './chromium.js';
import { makeRun } from './fixtures.js';
import { decodePng, pixelStats } from './png.js';

const LOST_HEX = '#C00000'; // charts.ts LOST_COLOUR

/** A run at a fixed one-way delay: every frame has `latencyMs` except frames `lost` (no roadside frame yet). */
function fixedSeries(latencyMs: number, lost: readonly number[] = [0], frames = 150): RunSeries {
  const timeS = Array.from({ length: frames }, (_, i) => Number((i * 0.1).toFixed(2)));
  return {
    timeS,
    routeSM: timeS.map((t) => 7 * t),
    egoXM: timeS.map((t) => 7 * t),
    egoYM: timeS.map(() => -1.75),
    latencyMs: timeS.map((_, i) => (lost.includes(i) ? null : latencyMs)),
    method: timeS.map((_, i) => (lost.includes(i) ? 'vehicle-only' : latencyMs < 50 ? 'intra' : 'inter')),
    missed: timeS.map(() => 0),
  };
}

/** The red "no roadside frame" rules of a rendered latency plot (the legend symbol is a circle, not a line). */
function lostRules(svg: string): number {
  return (svg.match(new RegExp(`<line[^>]*stroke="${LOST_HEX}"`, 'g')) ?? []).length;
}

interface TickLabel {
  text: string;
  yPx: number;
}

/** The visible y-axis tick labels of a rendered single-plot SVG (vega hides overlapping ones with opacity 0). */
function yTickLabels(svg: string): TickLabel[] {
  const axis = svg.indexOf('aria-label="Y-axis');
  assert.ok(axis >= 0, 'a y axis');
  const start = svg.indexOf('role-axis-label', axis);
  const group = svg.slice(start, svg.indexOf('</g>', start));
  return [...group.matchAll(/<text[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*opacity="1"[^>]*>([^<]*)<\/text>/g)].map(
    (m) => ({ text: m[3] ?? '', yPx: Number(m[2]) }),
  );
}

const value = (label: string): number => Number(label.replace(/,/g, ''));

describe('report: latency plots under fixed delays', function () {
  this.timeout(30_000);

  it('0 ms latency is drawn as a latency, not as "no roadside frame"; only null frames are', async () => {
    const series = fixedSeries(0, [0, 1, 70]);
    for (const [name, spec] of [['time', latencyOverTimeSpec(series)], ['route', latencyAlongRouteSpec(series)]] as const) {
      const svg = await specToSvg(spec, name, name);
      assert.equal(lostRules(svg), 3, `${name}: one red mark per frame without a roadside frame`);
      assert.ok(svg.includes(LOST_LABEL), 'legend still names the lost marks');
      const labels = yTickLabels(svg).map((l) => value(l.text));
      assert.ok(labels.includes(0), `${name}: a 0 ms tick (${labels.join(' ')})`);
    }
  });

  it('a constant latency gets ticks at distinct heights, higher values higher up, the value in range', async () => {
    for (const latencyMs of [100, 20, 1000, 0, 30]) {
      const svg = await specToSvg(latencyOverTimeSpec(fixedSeries(latencyMs)), 'c', 'c');
      const labels = yTickLabels(svg);
      assert.ok(labels.length >= 2, `${latencyMs} ms: ${labels.length} visible tick labels`);
      assert.equal(new Set(labels.map((l) => l.yPx)).size, labels.length, `${latencyMs} ms: labels at one height`);
      const byValue = [...labels].sort((a, b) => value(a.text) - value(b.text));
      for (let i = 1; i < byValue.length; i++) {
        assert.ok((byValue[i]?.yPx ?? 0) < (byValue[i - 1]?.yPx ?? 0), `${latencyMs} ms: ${byValue[i]?.text} drawn above ${byValue[i - 1]?.text}`);
      }
      const [lo, hi] = [value(byValue[0]?.text ?? ''), value(byValue[byValue.length - 1]?.text ?? '')];
      assert.ok(lo <= latencyMs && latencyMs <= hi, `${latencyMs} ms within the labelled range ${lo}-${hi}`);
    }
  });

  it('the axis domain spans the data out to the 1-2-5 ticks around it, and is never empty', () => {
    assert.deepEqual(latencyDomainMs([100, 100, null]), [50, 200]);
    assert.deepEqual(latencyDomainMs([0, 0]), [0, 1]);
    assert.deepEqual(latencyDomainMs([18, 31, 960, null]), [10, 1000]);
    assert.deepEqual(latencyDomainMs([-3, 40]), [-5, 50]);
    assert.deepEqual(latencyDomainMs([null, null]), [0, 1]);
    assert.deepEqual(latencyDomainMs([]), [0, 1]);
  });

  it('in headless Chromium, a fixed:0 run shows no red marks but the legend’s, a run with gaps does', async function () {
    const bin = chromiumOrSkip(this);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-latency-'));
    try {
      const redPixels = async (name: string, series: RunSeries): Promise<number> => {
        const run = makeRun('adaptive-st', 1);
        run.series = series;
        const htmlFile = path.join(dir, `${name}.html`);
        const pngFile = path.join(dir, `${name}.png`);
        writeFileSync(htmlFile, await renderRunReport(run));
        await capture(bin, htmlFile, pngFile);
        return pixelStats(decodePng(readFileSync(pngFile)), [LOST_HEX]).hits.get(LOST_HEX) ?? 0;
      };
      const none = await redPixels('fixed0', fixedSeries(0, []));
      const gaps = await redPixels('gaps', fixedSeries(0, Array.from({ length: 40 }, (_, i) => 50 + i)));
      // Two legend symbols (~8 px discs); 40 lost frames add 40 anti-aliased rules to each of the two plots.
      assert.ok(none < 120, `${none} red pixels with every frame at 0 ms`);
      assert.ok(gaps > none + 150, `${gaps} red pixels with 40 lost frames (vs ${none})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
