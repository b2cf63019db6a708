// The demo's human-readable summary, and the checks that make the demo fail when a path delivered nothing.
import type { VehicleSummary } from '../vehicle/summary.js';
import type { RoadsideSummary } from '../sim/realtime/process-pair.js';

const f1 = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(1));
const f2 = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(2));
const pad = (s: string | number, n: number): string => String(s).padStart(n);

export function formatDemoReport(
  rsu: RoadsideSummary, veh: VehicleSummary,
  extra: { outputSeen: number; outputObjects: number; simulatedOffsetMs: number },
): { text: string; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  const perTransport = rsu.transports.map((t) => `${t.kind} ${t.published} messages${t.droppedSend ? `, ${t.droppedSend} dropped` : ''}`);
  lines.push('', `RSU ${rsu.id}: ${rsu.counters.framesPublished} frames published (sent: ${perTransport.join(', ')}), `
    + `${rsu.counters.syncAnswered} clock-sync requests answered`);
  for (const link of veh.links) {
    lines.push(`Vehicle ${veh.id} <- ${link.rsuId}:`);
    lines.push(`  ${'path'.padEnd(7)}${pad('received', 9)}${pad('first', 7)}${pad('lost', 6)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('jitter', 8)}`);
    for (const kind of ['mqtt', 'zmq'] as const) {
      const p = link.state.paths[kind];
      if (!p) {
        problems.push(`no frame from ${link.rsuId} arrived over ${kind}`);
        lines.push(`  ${kind.padEnd(7)}${pad(0, 9)}`);
        continue;
      }
      if (p.received === 0) problems.push(`no frame from ${link.rsuId} arrived over ${kind}`);
      lines.push(`  ${kind.padEnd(7)}${pad(p.received, 9)}${pad(link.dedupe.firstArrivals[kind] ?? 0, 7)}${pad(p.lost, 6)}`
        + `${pad(f2(p.latency?.p50Ms), 8)}${pad(f2(p.latency?.p99Ms), 8)}${pad(f2(p.jitterMs), 8)}`);
    }
    const m = link.state.merged;
    lines.push(`  merged: ${m.received} unique frames, ${link.dedupe.duplicatesDropped} duplicates dropped, `
      + `${m.lost} lost, ${link.counters.expired} expired, latency p50 ${f2(m.latency?.p50Ms)} ms p99 ${f2(m.latency?.p99Ms)} ms`);
    const c = link.state.clock;
    lines.push(`  clock offset (RSU - vehicle): simulated ${extra.simulatedOffsetMs.toFixed(3)} ms, estimated `
      + `${c.offsetNs === null ? '-' : (c.offsetNs / 1e6).toFixed(3)} ms +/- ${c.uncertaintyNs === null ? '-' : (c.uncertaintyNs / 1e6).toFixed(3)} ms `
      + `from ${c.samples} samples`);
    if (c.offsetNs === null) problems.push(`no clock-sync exchange with ${link.rsuId} completed`);
  }
  const methods = Object.entries(veh.methods).filter(([, n]) => n > 0).map(([m, n]) => `${m} ${n}`).join(', ');
  lines.push(`Fusion (${veh.strategy}): ${methods || 'no frame'}; ${veh.methodSwitches} method switches; `
    + `${veh.intentsSent} intents sent, ${veh.advisories} advisories received`);
  lines.push(`Vehicle output: ${veh.outputFrames} frames (${extra.outputSeen} seen by a downstream subscriber, `
    + `${extra.outputObjects} objects), own capture -> output p50 ${f1(veh.e2eLatencyMs.p50)} ms p99 ${f1(veh.e2eLatencyMs.p99)} ms`, '');
  if (veh.outputFrames === 0) problems.push('the vehicle produced no output frame');
  if (extra.outputSeen === 0) problems.push('no output frame reached the downstream subscriber');
  return { text: lines.join('\n'), problems };
}
