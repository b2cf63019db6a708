// Faults without an attacker, with real processes on loopback (issue 15, "prove it"): one path of the dual path
// dead, the RSU's clock 500 ms ahead and behind, and an outage of every path (the --impair layer drops what the
// vehicle receives for a window). The processes run until their own stats lines show what each test checks.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { combineLatest, filter, firstValueFrom, of, skip, timeout } from 'rxjs';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import type { LinkState } from '../../shared/link/link-monitor.js';
import type { RsuLinkCounters } from '../../vehicle/rsu-link.js';
import type { VehicleSummary } from '../../vehicle/summary.js';
import { startChild } from '../../sim/realtime/children.js';
import { runProcessPair, type PairWatch } from '../../sim/realtime/process-pair.js';
import { exampleConfigs, logLines } from '../support/example-configs.js';
import { freePort } from '../support/net.js';

const SCENARIO = resolve('examples/occluded-crossing');
const MAP_FRAME = 'enu:occluded-crossing';
const MIN_FRAMES = 20;
/** Safety net only: past it the processes are stopped and the assertions say what was missing. */
const GIVE_UP_MS = 120_000;
const FUSED = ['intra', 'inter', 'planning'] as const;

type LinkStats = LinkState & { counters: RsuLinkCounters };
interface StatsLine { counters: { methods: Record<string, number>; roadsideFrames: number }; links: LinkStats[] }

const fused = (methods: Record<string, number>): number => FUSED.reduce((s, m) => s + (methods[m] ?? 0), 0);
const stats = (w: PairWatch) => w.logs$.pipe(filter((l) => l.process === 'vehicle' && l.entry.msg === 'stats'));
const tmp = (name: string): string => mkdtempSync(join(tmpdir(), `iaad-${name}-`));

describe('faults with real processes', function () {
  this.timeout(GIVE_UP_MS + 60_000);

  it('one path dead (the RSU ZeroMQ endpoint unreachable): frames keep coming over MQTT, the summary shows the dead path', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    const dir = tmp('deadpath');
    const out = await freePort();
    // The RSU binds pub/pull; the vehicle is told two other ports where nothing listens.
    const cfg = exampleConfigs(dir,
      { 1883: broker.port, 5560: await freePort(), 5561: await freePort(), 5570: out },
      { 1883: broker.port, 5560: await freePort(), 5561: await freePort(), 5570: out });
    const roadside = startChild('roadside', ['roadside', '--config', cfg.roadside], join(dir, 'roadside.log'));
    const vehicle = startChild('vehicle', ['vehicle', '--config', cfg.vehicle], join(dir, 'vehicle.log'));
    try {
      await firstValueFrom(logLines(vehicle).pipe(
        filter((e) => e.msg === 'stats' && ((e.links as LinkStats[])[0]?.paths.mqtt?.received ?? 0) >= MIN_FRAMES
          && (e.links as LinkStats[])[0]?.clock.offsetNs != null),
        timeout({ first: GIVE_UP_MS, with: () => of(null) }),
      ));
    } finally {
      vehicle.stop();
      roadside.stop();
    }
    const [v, r] = await Promise.all([vehicle.done, roadside.done]);
    await broker.close();
    const where = `(logs in ${dir})`;
    assert.equal(v.code, 0, where);
    assert.equal(r.code, 0, where);
    const summary = v.outputs.find((x) => (x as VehicleSummary).role === 'vehicle') as VehicleSummary | undefined;
    assert.ok(summary, `no vehicle summary ${where}`);
    const link = summary.links[0]!;
    assert.ok((link.state.paths.mqtt?.received ?? 0) >= MIN_FRAMES, `mqtt delivered ${link.state.paths.mqtt?.received} ${where}`);
    // The dead path: configured, never delivered (absent from the per-path states, 0 copies received).
    assert.equal(link.state.paths.zmq, undefined, where);
    assert.equal(link.counters.receivedPerPath.zmq ?? 0, 0, where);
    assert.equal(summary.transports.find((t) => t.kind === 'zmq')?.received, 0, where);
    // Clock sync and fusion go on over the live path.
    assert.ok(link.state.clock.offsetNs !== null, where);
    assert.ok(summary.roadsideFrames >= MIN_FRAMES && fused(summary.methods) > 0, `${JSON.stringify(summary.methods)} ${where}`);
  });

  for (const offsetMs of [500, -500]) {
    it(`RSU clock ${offsetMs > 0 ? 'ahead' : 'behind'} by ${Math.abs(offsetMs)} ms: the vehicle estimates the offset to 0.1 ms (or its proven bound)`, async () => {
      const broker = await startEmbeddedBroker({ port: 0 });
      try {
        const r = await runProcessPair({
          scenarioDir: SCENARIO, mapFrame: MAP_FRAME, workDir: tmp('offset'), mqttUrl: broker.url,
          zmq: { pubEndpoint: `tcp://127.0.0.1:${await freePort()}`, pullEndpoint: `tcp://127.0.0.1:${await freePort()}` },
          outputEndpoint: `tcp://127.0.0.1:${await freePort()}`, rsuClockOffsetMs: offsetMs,
          // Once the estimator has a full window of exchanges (16) and frames were fused.
          until: (w) => firstValueFrom(combineLatest([
            stats(w).pipe(filter((l) => {
              const s = l.entry as unknown as StatsLine;
              return (s.links[0]?.clock.samples ?? 0) >= 16 && s.counters.roadsideFrames >= MIN_FRAMES;
            })),
            w.outputs$.pipe(skip(9)),
          ]).pipe(timeout({ first: GIVE_UP_MS, with: () => of(null) }))),
        });
        const where = `(logs in ${r.workDir})`;
        assert.equal(r.vehicleExit, 0, where);
        const link = r.vehicle!.links[0]!;
        const { offsetNs, uncertaintyNs, samples } = link.state.clock;
        assert.ok(offsetNs !== null && uncertaintyNs !== null && samples >= 16, `clock ${JSON.stringify(link.state.clock)} ${where}`);
        const errorMs = offsetNs / 1e6 - offsetMs;
        const boundMs = uncertaintyNs / 1e6;
        console.log(`      estimated ${(offsetNs / 1e6).toFixed(4)} ms for ${offsetMs} ms: error ${(errorMs * 1000).toFixed(1)} µs, bound ${(boundMs * 1000).toFixed(1)} µs`);
        // Within 0.1 ms; on a loaded machine the best exchange's round trip can exceed 0.2 ms, and the estimate
        // is then only proven to within half of it (docs/reliability.md has the measured errors).
        assert.ok(Math.abs(errorMs) <= Math.max(0.1, boundMs), `offset error ${errorMs} ms (bound ${boundMs} ms) ${where}`);
        // Corrected: uncorrected, frames of an RSU 500 ms ahead would arrive 500 ms before they were taken.
        if (offsetMs > 0) assert.ok((link.state.merged.latency?.p50Ms ?? -Infinity) > -offsetMs / 2, `latency ${JSON.stringify(link.state.merged.latency)} ${where}`);
        assert.equal(link.counters.rejected?.future ?? 0, 0, `frames taken for future ones ${where}`);
        assert.ok(r.vehicle!.roadsideFrames >= MIN_FRAMES && fused(r.vehicle!.methods) > 0, `${JSON.stringify(r.vehicle!.methods)} ${where}`);
      } finally {
        await broker.close();
      }
    });
  }

  it('a 10 s outage of every path (--impair outage:15-25@drop): vehicle-only during it, fusion again after, no restart', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    const seen: { before?: StatsLine; during?: StatsLine; after?: StatsLine } = {};
    try {
      const r = await runProcessPair({
        scenarioDir: SCENARIO, mapFrame: MAP_FRAME, workDir: tmp('outage'), mqttUrl: broker.url,
        zmq: { pubEndpoint: `tcp://127.0.0.1:${await freePort()}`, pullEndpoint: `tcp://127.0.0.1:${await freePort()}` },
        outputEndpoint: `tcp://127.0.0.1:${await freePort()}`,
        // Seconds since the vehicle process started: the link is up well before 15 s, even on a busy machine.
        impair: { vehicle: 'outage:15-25@drop' },
        // Fusing, then a stats line with the link stale, then one fusing again.
        until: (w) => firstValueFrom(stats(w).pipe(
          filter((l) => {
            const s = l.entry as unknown as StatsLine;
            const stale = s.links[0]?.stale ?? true;
            if (!seen.during && !stale && fused(s.counters.methods) > 0) seen.before = s;
            else if (seen.before && !seen.during && stale) seen.during = s;
            else if (seen.during && !stale && fused(s.counters.methods) > fused(seen.during.counters.methods)) seen.after = s;
            return seen.after !== undefined;
          }),
          timeout({ first: GIVE_UP_MS, with: () => of(null) }),
        )),
      });
      const where = `(logs in ${r.workDir})`;
      assert.equal(r.vehicleExit, 0, where);
      assert.equal(r.roadsideExit, 0, where);
      const { before, during, after } = seen;
      assert.ok(before && during && after, `stats before/during/after the outage: ${!!before}/${!!during}/${!!after} ${where}`);
      // During the outage the vehicle fell back to its own sensors...
      assert.ok(during.counters.methods['vehicle-only']! > before.counters.methods['vehicle-only']!,
        `vehicle-only ${before.counters.methods['vehicle-only']} -> ${during.counters.methods['vehicle-only']} ${where}`);
      // ...and fused roadside frames again after it, in the same process.
      assert.ok(fused(after.counters.methods) > fused(during.counters.methods), where);
      // The summary counts what the outage cost: the frames sent into it are lost on the merged stream.
      const link = r.vehicle!.links[0]!;
      assert.ok(link.state.merged.lost >= 50, `merged lost ${link.state.merged.lost} ${where}`);
      console.log(`      methods before ${JSON.stringify(before.counters.methods)}, during ${JSON.stringify(during.counters.methods)}, after ${JSON.stringify(after.counters.methods)}; merged lost ${link.state.merged.lost}`);
    } finally {
      await broker.close();
    }
  });
});
