// Vega-lite spec -> standalone SVG string, headless (no DOM, no canvas), for inlining into the report page.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders `spec` to SVG markup. `idPrefix` namespaces the SVG's internal ids (clip paths, gradients): several
 * SVGs inlined in one HTML page share one id space, and vega numbers them per process, not per chart.
 * `label` becomes the SVG's accessible name.
 */
export async function specToSvg(spec: TopLevelSpec, idPrefix: string, label: string): Promise<string> {
  const { spec: vgSpec } = compile(spec);
  // No loader access is needed (all data is inline); renderer 'none' skips the DOM/canvas entirely.
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    // Restart vega's process-wide clip/gradient counters so the same chart always gives the same markup.
    vega.resetSVGDefIds();
    const svg = await view.toSVG();
    return labelRoot(prefixIds(svg, idPrefix), label);
  } finally {
    view.finalize();
  }
}

/** Rewrites every `id="x"` and its references (`url(#x)`, `href="#x"`) to `prefix-x`. */
export function prefixIds(svg: string, prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, '_');
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${safe}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${safe}-${id})`)
    .replace(/\bhref="#([^"]+)"/g, (_m, id: string) => `href="#${safe}-${id}"`);
}

function labelRoot(svg: string, label: string): string {
  const attr = label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return svg.replace(/^<svg\b/, `<svg role="graphics-document document" aria-label="${attr}"`);
}
