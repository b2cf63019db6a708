import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseCicv5g, readCicv5g, worstCicv5gWindow, type Cicv5gTrace } from '../../sim/network/cicv5g.js';
import {
  BandwidthLimit, FifoLink, FixedDelayModel, GilbertElliottLoss, JitterDelayModel, NetworkSpecError, OutageModel,
  SeriesModel, TraceDelayModel, gilbertElliottStationaryLoss, parseNetworkSpec,
  type NetworkContext, type NetworkModel, type NetworkSample,
} from '../../sim/network/models.js';
import { Rng } from '../../sim/world/rng.js';
import { cicv5gDirOrSkip } from '../support/require.js';

const MS = 1e6;
const S = 1e9;
/** Replays scripted delays (null = lost), one per call. */
class ScriptedModel implements NetworkModel {
  private k = 0;
  constructor(private readonly delays: Array<number | null>) {}
  sample(): NetworkSample {
    const d = this.delays[this.k++ % this.delays.length]!;
    return d === null ? { delivered: false, delayMs: Infinity } : { delivered: true, delayMs: d };
  }
  describe(): string {
    return 'scripted';
  }
}

// Four rows 55 ms apart along a path (0,0) -> (10,0) -> (20,0) -> (20,10), offset into UTM-sized numbers.
const X0 = 329000;
const Y0 = 3463000;
const SMALL_TRACE = parseCicv5g([
  `1000 1020 20 ${X0} ${Y0} 0 0 A 1 -80`,
  `1055 1085 30 ${X0 + 10} ${Y0} 0 0 A 1 -80`,
  `1110 5110 4000 ${X0 + 20} ${Y0} 0 0 A 1 -80`,
  `1165 13165 12000 ${X0 + 20} ${Y0 + 10} 0 0 A 1 -80`,
].join('\n'), 'small.txt');

describe('TraceDelayModel', () => {
  const rng = new Rng(1);

  it('by time: the row at or before (send - runStart) mod period, one-way = RTT / 2, lost above 10 s RTT', () => {
    const runStartNs = 5 * S;
    const m = new TraceDelayModel(SMALL_TRACE, { index: 'time', runStartNs });
    // span 165 ms + one mean interval 55 ms = period 220 ms
    const at = (ms: number): NetworkSample => m.sample(runStartNs + ms * MS, {}, rng);
    assert.deepEqual(at(0), { delivered: true, delayMs: 10 });
    assert.deepEqual(at(54.9), { delivered: true, delayMs: 10 });
    assert.deepEqual(at(55), { delivered: true, delayMs: 15 });
    assert.deepEqual(at(110), { delivered: true, delayMs: 2000 });
    assert.deepEqual(at(165), { delivered: false, delayMs: Infinity });
    assert.deepEqual(at(219), { delivered: false, delayMs: Infinity });
    assert.deepEqual(at(220), { delivered: true, delayMs: 10 }); // loops
    assert.deepEqual(at(220 * 3 + 60), { delivered: true, delayMs: 15 });
    assert.deepEqual(at(-1), { delivered: false, delayMs: Infinity }); // before the start: wraps to 219
  });

  it('the loss cut-off is configurable', () => {
    const m = new TraceDelayModel(SMALL_TRACE, { index: 'time', lossCutoffRttMs: 3000 });
    assert.deepEqual(m.sample(110 * MS, {}, rng), { delivered: false, delayMs: Infinity });
    assert.deepEqual(m.sample(55 * MS, {}, rng), { delivered: true, delayMs: 15 });
  });

  it('by position: the nearest row to the ego, ties to the earliest row', () => {
    const m = new TraceDelayModel(SMALL_TRACE, { index: 'position' });
    const at = (dx: number, dy: number): NetworkSample => m.sample(0, { egoXM: X0 + dx, egoYM: Y0 + dy }, rng);
    assert.deepEqual(at(0, 0), { delivered: true, delayMs: 10 });
    assert.deepEqual(at(10, 0), { delivered: true, delayMs: 15 });
    assert.deepEqual(at(6, 3), { delivered: true, delayMs: 15 });
    assert.deepEqual(at(5, 0), { delivered: true, delayMs: 10 }); // equidistant to rows 0 and 1
    assert.deepEqual(at(19, -2), { delivered: true, delayMs: 2000 });
    assert.deepEqual(at(20, 9), { delivered: false, delayMs: Infinity });
    assert.deepEqual(at(-500, -700), { delivered: true, delayMs: 10 }); // far outside the drive
    assert.equal(m.rowIndexFor(0, { egoXM: X0 + 1000, egoYM: Y0 + 1000 }), 3);
    assert.throws(() => m.sample(0, {}, rng), /needs ctx.egoXM and ctx.egoYM/);
  });

  it('by route: the row whose driven distance is nearest to routeSM, clamped to the drive', () => {
    const m = new TraceDelayModel(SMALL_TRACE, { index: 'route' });
    const at = (s: number): number => m.rowIndexFor(0, { routeSM: s });
    assert.deepEqual([at(-5), at(4), at(5), at(6), at(20), at(26), at(1000)], [0, 0, 0, 1, 2, 3, 3]);
    assert.throws(() => m.sample(0, {}, rng), /needs ctx.routeSM/);
  });

  it('position index agrees with a linear scan on a real drive', function () {
    const trace = readCicv5g(join(cicv5gDirOrSkip(this), 'urban_n8_v30_run01.txt'));
    const m = new TraceDelayModel(trace, { index: 'position' });
    const r = new Rng(7);
    const xs = trace.rows.map((p) => p.xM);
    const ys = trace.rows.map((p) => p.yM);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    for (let k = 0; k < 2000; k++) {
      // Mostly near the route, some well outside its bounding box.
      const base = trace.rows[Math.floor(r.next() * trace.rows.length)]!;
      const far = k % 10 === 0;
      const x = far ? minX - 100 + r.next() * (maxX - minX + 200) : base.xM + r.normal(0, 8);
      const y = far ? minY - 100 + r.next() * (maxY - minY + 200) : base.yM + r.normal(0, 8);
      let best = 0;
      let bestD2 = Infinity;
      trace.rows.forEach((p, i) => {
        const d2 = (p.xM - x) ** 2 + (p.yM - y) ** 2;
        if (d2 < bestD2) {
          best = i;
          bestD2 = d2;
        }
      });
      assert.equal(m.rowIndexFor(0, { egoXM: x, egoYM: y }), best, `query (${x}, ${y})`);
    }
  });

  it('replays a real trace by time: row k at k publish intervals', function () {
    const trace = readCicv5g(join(cicv5gDirOrSkip(this), 'south_n8_v10_01.txt'));
    const m = new TraceDelayModel(trace, { index: 'time', runStartNs: 1e18 });
    const first = trace.rows[0]!.pubTimeMs;
    for (const k of [0, 1, 448, 1336, 1400, 2041]) {
      const row = trace.rows[k]!;
      const s = m.sample(1e18 + (row.pubTimeMs - first) * MS, {}, rng);
      if (row.delayMs > 10_000) assert.deepEqual(s, { delivered: false, delayMs: Infinity }, `row ${k}`);
      else assert.deepEqual(s, { delivered: true, delayMs: row.delayMs / 2 }, `row ${k}`);
    }
    assert.equal(trace.rows[1336]!.delayMs, 10241);
    assert.equal(trace.rows[1400]!.delayMs / 2, m.sample(1e18 + (trace.rows[1400]!.pubTimeMs - first) * MS, {}, rng).delayMs);
  });
});

describe('parametric delay models', () => {
  it('FixedDelayModel always delivers after the fixed delay', () => {
    const m = new FixedDelayModel(20);
    assert.deepEqual(m.sample(), { delivered: true, delayMs: 20 });
    assert.throws(() => new FixedDelayModel(-1), RangeError);
  });

  for (const distribution of ['normal', 'gamma'] as const) {
    it(`JitterDelayModel (${distribution}) has the requested mean and std`, () => {
      const m = new JitterDelayModel({ meanMs: 20, stdMs: 5, distribution });
      const rng = new Rng(3);
      const n = 50_000;
      let sum = 0;
      let sum2 = 0;
      for (let k = 0; k < n; k++) {
        const d = m.sample(0, {}, rng).delayMs;
        sum += d;
        sum2 += d * d;
      }
      const mean = sum / n;
      const std = Math.sqrt(sum2 / n - mean * mean);
      assert.ok(Math.abs(mean - 20) < 0.1, `mean ${mean}`);
      assert.ok(Math.abs(std - 5) < 0.1, `std ${std}`);
    });
  }

  it('JitterDelayModel clamps at the minimum and is reproducible from the seed', () => {
    const m = new JitterDelayModel({ meanMs: 5, stdMs: 10, minMs: 2 });
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 1000 }, () => m.sample(0, {}, rng).delayMs);
    };
    const a = draw(11);
    assert.ok(a.every((d) => d >= 2));
    assert.ok(a.filter((d) => d === 2).length > 200); // P(N(5, 10) < 2) = 0.38
    assert.deepEqual(draw(11), a);
    assert.notDeepEqual(draw(12), a);
  });
});

describe('GilbertElliottLoss', () => {
  const cases = [
    { p: 0.01, r: 0.3, lossGood: 0, lossBad: 0.8 },
    { p: 0.05, r: 0.5, lossGood: 0.01, lossBad: 0.5 },
  ];
  for (const params of cases) {
    it(`long-run loss matches pi_good * lossGood + pi_bad * lossBad for ${JSON.stringify(params)}`, () => {
      const ge = new GilbertElliottLoss(params);
      const rng = new Rng(2024);
      const n = 200_000;
      let lost = 0;
      let bad = 0;
      for (let k = 0; k < n; k++) {
        if (ge.inBadState) bad++;
        if (!ge.sample(0, {}, rng).delivered) lost++;
      }
      const want = gilbertElliottStationaryLoss(params);
      const piBad = params.p / (params.p + params.r);
      assert.ok(Math.abs(lost / n - want) < 0.1 * want, `loss ${lost / n} vs ${want}`);
      assert.ok(Math.abs(bad / n - piBad) < 0.1 * piBad, `time in bad state ${bad / n} vs ${piBad}`);
    });
  }

  it('stationary loss: exact values and the degenerate chain', () => {
    assert.equal(gilbertElliottStationaryLoss({ p: 0.01, r: 0.3, lossGood: 0, lossBad: 0.8 }), (0.01 / 0.31) * 0.8);
    assert.equal(gilbertElliottStationaryLoss({ p: 0, r: 0, lossGood: 0.02, lossBad: 1 }), 0.02);
  });

  it('the same seed gives the same loss sequence; losses come in bursts', () => {
    const run = (seed: number): boolean[] => {
      const ge = new GilbertElliottLoss({ p: 0.02, r: 0.2, lossGood: 0, lossBad: 1 });
      const rng = new Rng(seed);
      return Array.from({ length: 5000 }, () => ge.sample(0, {}, rng).delivered);
    };
    const a = run(99);
    assert.deepEqual(run(99), a);
    assert.notDeepEqual(run(100), a);
    // lossGood = 0 and lossBad = 1: every loss run is one bad-state sojourn, mean length 1 / r = 5.
    const runs: number[] = [];
    let len = 0;
    for (const ok of [...a, true]) {
      if (!ok) len++;
      else if (len > 0) {
        runs.push(len);
        len = 0;
      }
    }
    const meanRun = runs.reduce((s, x) => s + x, 0) / runs.length;
    assert.ok(meanRun > 3.5 && meanRun < 6.5, `mean loss burst ${meanRun}`);
  });

  it('rejects probabilities outside [0, 1]', () => {
    assert.throws(() => new GilbertElliottLoss({ p: 1.5, r: 0, lossGood: 0, lossBad: 0 }), /Gilbert-Elliott p must be a probability/);
  });
});

describe('OutageModel', () => {
  const rng = new Rng(1);
  it("'hold' delivers a message sent into [startS, endS) when the window ends", () => {
    const m = new OutageModel([{ startS: 10, endS: 13 }], 'hold', 1e18);
    const at = (s: number): NetworkSample => m.sample(1e18 + s * S, {}, rng);
    assert.deepEqual(at(9.5), { delivered: true, delayMs: 0 });
    assert.deepEqual(at(10), { delivered: true, delayMs: 3000 });
    assert.deepEqual(at(12.5), { delivered: true, delayMs: 500 });
    assert.deepEqual(at(13), { delivered: true, delayMs: 0 });
  });

  it("'drop' loses messages in the window; overlapping windows merge", () => {
    const drop = new OutageModel([{ startS: 10, endS: 13 }], 'drop');
    assert.deepEqual(drop.sample(11 * S, {}, rng), { delivered: false, delayMs: Infinity });
    assert.deepEqual(drop.sample(13 * S, {}, rng), { delivered: true, delayMs: 0 });
    const merged = new OutageModel([{ startS: 12, endS: 15 }, { startS: 10, endS: 13 }, { startS: 20, endS: 21 }]);
    assert.deepEqual(merged.windows, [{ startS: 10, endS: 15 }, { startS: 20, endS: 21 }]);
    assert.deepEqual(merged.sample(11 * S, {}, rng), { delivered: true, delayMs: 4000 });
    assert.throws(() => new OutageModel([{ startS: 3, endS: 3 }]), /must end after it starts/);
  });
});

describe('BandwidthLimit', () => {
  const rng = new Rng(1);
  const burst = (m: BandwidthLimit, t0Ns: number): number[] =>
    [0, 1, 2].map(() => m.sample(t0Ns, { sizeBytes: 250_000 }, rng).delayMs);

  it('no burst (default): 1e6 B/s, three 250 kB messages at t = 0 wait 250, 500, 750 ms', () => {
    assert.deepEqual(burst(new BandwidthLimit(1e6), 0), [250, 500, 750]);
  });

  it('a 250 kB bucket: the first message goes at once, then 250, 500 ms; an idle link refills it', () => {
    const m = new BandwidthLimit(1e6, 250_000);
    assert.deepEqual(burst(m, 0), [0, 250, 500]);
    // The last message left at 500 ms with the bucket empty; by 2 s it is full again (capped at 250 kB).
    assert.deepEqual(burst(m, 2 * S), [0, 250, 500]);
    // 100 ms after the last departure (2.5 s) only 100 kB are back: a 150 kB message waits 50 ms.
    assert.equal(m.sample(2 * S + 600 * MS, { sizeBytes: 150_000 }, rng).delayMs, 50);
    // 350 ms after it the bucket is full (250 kB, not 350 kB): 300 kB waits 50 ms.
    assert.equal(m.sample(2 * S + 1000 * MS, { sizeBytes: 300_000 }, rng).delayMs, 50);
  });

  it('is exact at epoch-scale times too', () => {
    assert.deepEqual(burst(new BandwidthLimit(1e6, 250_000), 1.7e18), [0, 250, 500]);
  });

  it('needs a message size', () => {
    assert.throws(() => new BandwidthLimit(1e6).sample(0, {}, rng), /needs ctx.sizeBytes/);
    assert.equal(new BandwidthLimit(1e6, 0, 1000).sample(0, {}, rng).delayMs, 1);
  });
});

describe('SeriesModel and FifoLink', () => {
  const rng = new Rng(1);

  it('series: each stage sees the time the message reaches it; a loss stops the chain', () => {
    const m = new SeriesModel([new FixedDelayModel(20), new BandwidthLimit(1e6), new OutageModel([{ startS: 1, endS: 2 }])]);
    const ctx: NetworkContext = { sizeBytes: 250_000 };
    // Reach the bucket at 20 ms; leave at 270, 520, 770 ms.
    assert.deepEqual([0, 1, 2].map(() => m.sample(0, ctx, rng).delayMs), [270, 520, 770]);
    // Sent at 0.9 s: reaches the outage stage at 0.92 + 0.25 = 1.17 s (bucket idle), held until 2 s.
    assert.equal(m.sample(900 * MS, ctx, rng).delayMs, 1100);
    const lossy = new SeriesModel([new FixedDelayModel(20), new ScriptedModel([null])]);
    assert.deepEqual(lossy.sample(0, {}, rng), { delivered: false, delayMs: Infinity });
    assert.equal(m.describe(), 'fixed(20 ms) + bandwidth(1000000 B/s, burst 0 B) + outage(hold, [1 s, 2 s))');
  });

  it('FifoLink: a message waits for the one before it; losses do not hold later messages', () => {
    const fifo = new FifoLink(new ScriptedModel([50, 10, 30, null, 5]));
    const got = [0, 10, 20, 30, 40].map((t) => fifo.sample(1e18 + t * MS, {}, rng));
    // Arrivals: 50, 20 -> 50, 50, lost, 45 -> 50.
    assert.deepEqual(got, [
      { delivered: true, delayMs: 50 },
      { delivered: true, delayMs: 40 },
      { delivered: true, delayMs: 30 },
      { delivered: false, delayMs: Infinity },
      { delivered: true, delayMs: 10 },
    ]);
  });

  it('FifoLink keeps streams apart', () => {
    const fifo = new FifoLink(new ScriptedModel([50, 10]));
    assert.equal(fifo.sample(0, { streamId: 'a' }, rng).delayMs, 50);
    assert.equal(fifo.sample(10 * MS, { streamId: 'b' }, rng).delayMs, 10);
  });

  for (const baseNs of [0, 1.7e18]) it(`FifoLink never reorders heavy jitter, which alone would (times from ${baseNs} ns)`, () => {
    const send = (m: NetworkModel): number[] => {
      const r = new Rng(5);
      const arrivals: number[] = [];
      for (let k = 0; k < 5000; k++) {
        const t = baseNs + k * 10 * MS;
        const s = m.sample(t, {}, r);
        if (s.delivered) arrivals.push(t + s.delayMs * MS);
      }
      return arrivals;
    };
    const jitter = (): NetworkModel => new SeriesModel([
      new JitterDelayModel({ meanMs: 30, stdMs: 20, distribution: 'gamma' }),
      new GilbertElliottLoss({ p: 0.05, r: 0.3, lossGood: 0, lossBad: 0.9 }),
    ]);
    const inversions = (a: number[]): number => a.filter((x, k) => k > 0 && x < a[k - 1]!).length;
    assert.ok(inversions(send(jitter())) > 100);
    const ordered = send(new FifoLink(jitter()));
    assert.equal(inversions(ordered), 0);
    assert.ok(ordered.length > 4000);
  });
});

/** A 200 s trace, a row every 100 ms at 20 ms RTT, with RTT 400 ms (degraded) in [40, 45) s and 5 s (outage) in [120, 130) s. */
const PLANTED = parseCicv5g(Array.from({ length: 2000 }, (_, i) => {
  const tMs = 1_000_000 + i * 100;
  const rtt = i >= 1200 && i < 1300 ? 5000 : i >= 400 && i < 450 ? 400 : 20 + (i % 7);
  return `${tMs} ${tMs + rtt} ${rtt} ${X0 + i} ${Y0} 0 0 A 1 -80`;
}).join('\n'), 'planted.txt');

describe('trace offsets and the worst window', () => {
  const rng = new Rng(1);
  const load = (): Cicv5gTrace => PLANTED;

  it('@time+S replays from S seconds into the trace: the model at t returns what the plain one returns at t + S', () => {
    const plain = parseNetworkSpec('trace:p@time', { loadTrace: load, fifo: false });
    for (const offsetS of [0.05, 12.3, 119.95, 150]) {
      const shifted = parseNetworkSpec(`trace:p@time+${offsetS}`, { loadTrace: load, fifo: false, runStartNs: 7 * S });
      for (let tMs = 0; tMs < 250_000; tMs += 37) {
        assert.deepEqual(shifted.sample(7 * S + tMs * MS, {}, rng), plain.sample((tMs + offsetS * 1000) * MS, {}, rng), `offset ${offsetS} s, t ${tMs} ms`);
      }
    }
    // Row 1201 (t = 120.1 s), in the outage: one-way 2500 ms; a later stage still parses after the offset.
    const m = parseNetworkSpec('trace:p@time+120.1+fixed:5', { loadTrace: load });
    assert.deepEqual(m.sample(0, {}, rng), { delivered: true, delayMs: 2505 });
    assert.equal(m.describe(), 'fifo(trace(planted.txt @time+120.1 s, one-way = RTT/2, lost above RTT 10000 ms) + fixed(5 ms))');
  });

  it('worst window: the most degraded-or-outage time, then the most outage, then the earliest', () => {
    // Every 30 s window holding all of [120, 130) ties on 10 s of outage: the earliest starts at 100 s.
    assert.deepEqual(worstCicv5gWindow(PLANTED, 30), { startS: 100, durationS: 30, degradedS: 0, outageS: 10 });
    // 5 s: the outage and the degraded stretch both fill one; the outage wins.
    assert.deepEqual(worstCicv5gWindow(PLANTED, 5), { startS: 120, durationS: 5, degradedS: 0, outageS: 5 });
    // 90 s: both stretches fit from 40 s on (15 s in all).
    assert.deepEqual(worstCicv5gWindow(PLANTED, 90), { startS: 40, durationS: 90, degradedS: 5, outageS: 10 });
    // Longer than the trace (200 s): from the start.
    assert.equal(worstCicv5gWindow(PLANTED, 500).startS, 0);
    // Through the spec: @worst:30 starts the replay at 100 s, so 20 s into the run is 120 s into the outage.
    const m = parseNetworkSpec('trace:p@worst:30', { loadTrace: load });
    assert.deepEqual(m.sample(0, {}, rng), { delivered: true, delayMs: 10 + (1000 % 7) / 2 });
    assert.deepEqual(m.sample(20 * S, {}, rng), { delivered: true, delayMs: 2500 });
    assert.deepEqual(m.sample(30 * S, {}, rng), { delivered: true, delayMs: 10 + (1300 % 7) / 2 });
  });

  it('finds the long outage of the south drive', function () {
    const south = readCicv5g(join(cicv5gDirOrSkip(this), 'south_n8_v10_01.txt'));
    const w = worstCicv5gWindow(south, 15);
    // The ~11 s outage from ~74 s (docs/network-models.md): all of its late rows fit in the window.
    assert.ok(w.startS > 69 && w.startS < 75, `start ${w.startS}`);
    assert.ok(w.outageS > 9, `outage ${w.outageS} s`);
  });
});

describe('parseNetworkSpec', () => {
  const stubTrace = (path: string): Cicv5gTrace => ({ ...SMALL_TRACE, origin: path });

  it('builds each stage kind, in path order, FIFO-wrapped by default', () => {
    const d = (spec: string): string => parseNetworkSpec(spec, { loadTrace: stubTrace }).describe();
    assert.equal(d('fixed:20'), 'fifo(fixed(20 ms))');
    assert.equal(d('jitter:20,5'), 'fifo(jitter(normal mean 20 ms, std 5 ms, min 0 ms))');
    assert.equal(d('jitter:20,5,3@gamma'), 'fifo(jitter(gamma mean 20 ms, std 5 ms, min 3 ms))');
    assert.equal(d('ge:0.01,0.3,0,0.8'),
      'fifo(gilbert-elliott(p 0.01, r 0.3, loss good 0, bad 0.8; long-run loss 0.0258))');
    assert.equal(d('outage:10-13,20-21.5@drop'), 'fifo(outage(drop, [10 s, 13 s), [20 s, 21.5 s)))');
    assert.equal(d('bw:1e6'), 'fifo(bandwidth(1000000 B/s, burst 0 B))');
    assert.equal(d('trace:data/a@b.txt@position + ge:0,1,0.01,0'),
      'fifo(trace(data/a@b.txt @position, one-way = RTT/2, lost above RTT 10000 ms) + '
      + 'gilbert-elliott(p 0, r 1, loss good 0.01, bad 0; long-run loss 0.01))');
    assert.equal(d('trace:x.txt'), 'fifo(trace(x.txt @time, one-way = RTT/2, lost above RTT 10000 ms))');
    assert.equal(parseNetworkSpec('fixed:20+jitter:0,5', { fifo: false }).describe(),
      'fixed(20 ms) + jitter(normal mean 0 ms, std 5 ms, min 0 ms)');
  });

  it('the parsed model behaves like the hand-built one', () => {
    const m = parseNetworkSpec('fixed:20+bw:1e6,250000+outage:10-13', { runStartNs: 1e18 });
    const ctx: NetworkContext = { sizeBytes: 250_000 };
    assert.deepEqual([0, 0, 0].map((t) => m.sample(1e18 + t, ctx, new Rng(1)).delayMs), [20, 270, 520]);
    assert.equal(m.sample(1e18 + 11 * S, ctx, new Rng(1)).delayMs, 2000);
  });

  it('trace:PATH reads a real file', function () {
    const path = join(cicv5gDirOrSkip(this), 'urban_n8_v30_run01.txt');
    const m = parseNetworkSpec(`trace:${path}@time`);
    assert.deepEqual(m.sample(0, {}, new Rng(1)), { delivered: true, delayMs: 16 }); // first row: 32 ms RTT
  });

  const bad: Array<[string, RegExp]> = [
    ['', /^network spec "": empty/],
    ['fixd:20', /stage 1 "fixd:20": unknown kind "fixd" \(expected fixed, jitter, ge, trace, outage, bw\)/],
    ['fixed', /stage 1 "fixed": expected KIND:ARGS/],
    ['fixed:abc', /stage 1 "fixed:abc": "abc" is not a number/],
    ['fixed:', /stage 1 "fixed:": "" is not a number/],
    ['fixed:20+ge:0.1,0.2', /stage 2 "ge:0.1,0.2": ge takes 4 comma-separated numbers, got 2/],
    ['ge:2,0,0,0', /Gilbert-Elliott p must be a probability in \[0, 1\], got 2/],
    ['jitter:20,5@cauchy', /jitter distribution must be @normal or @gamma, got @cauchy/],
    ['outage:13-10', /outage window must end after it starts, got \[13, 10\)/],
    ['outage:10', /outage window must be START-END in seconds, got "10"/],
    ['bw:0', /bandwidth must be > 0 B\/s, got 0/],
    ['fixed:20@fast', /fixed takes no @fast/],
    ['trace:', /trace needs a file path/],
    ['trace:x.txt@space', /trace index must be @time, @time\+S, @worst\[:S\], @position or @route, got @space/],
    ['trace:x.txt@time+-3', /trace offset must be >= 0 s, got -3/],
    ['trace:x.txt@time+abc', /"abc" is not a number/],
    ['trace:x.txt@worst', /trace @worst needs the window length here: @worst:SECONDS/],
    ['trace:x.txt@worst:0', /trace @worst window must be > 0 s, got 0/],
  ];
  for (const [spec, re] of bad) {
    it(`rejects ${JSON.stringify(spec)} clearly`, () => {
      assert.throws(() => parseNetworkSpec(spec, { loadTrace: stubTrace }), (e: unknown) => {
        assert.ok(e instanceof NetworkSpecError);
        assert.match(e.message, re);
        assert.match(e.message, /stages joined by "\+"/); // the help follows
        return true;
      });
    });
  }
});
