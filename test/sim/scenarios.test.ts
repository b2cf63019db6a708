import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { projectToPolyline } from '../../shared/geometry/polyline.js';
import { readCicv5g, worstCicv5gWindow, type Cicv5gTrace } from '../../sim/network/cicv5g.js';
import {
  CICV5G_FILES, planCicv5gDrive, RouteFrame, type Cicv5gDrivePlan,
} from '../../sim/scenarios/cicv5g-drive.js';
import { loadScenario, loadScenarioFile, parseScenario } from '../../sim/scenarios/file.js';
import { HIGHWAY_MERGE_IDS, highwayMerge } from '../../sim/scenarios/highway-merge.js';
import { MIXED_CORRIDOR_NETWORK, MIXED_CORRIDOR_STRETCHES, mixedCorridor } from '../../sim/scenarios/mixed-corridor.js';
import { resolveScenario } from '../../sim/scenarios/resolve.js';
import { parseNetworkSpec } from '../../sim/network/models.js';
import { Rng } from '../../sim/world/rng.js';
import { BUILTIN_SCENARIOS, builtinScenario, listScenarios } from '../../sim/scenarios/index.js';
import type { Scenario } from '../../sim/world/scenario.js';
import { isVisible, type Box2, type Viewpoint } from '../../sim/world/visibility.js';
import type { TruthActor } from '../../sim/world/truth.js';
import { sampleTrajectory } from '../../sim/world/trajectory.js';
import { EGO_ID, egoAt, truthAt } from '../../sim/world/truth.js';
import { cicv5gDirOrSkip } from '../support/require.js';

// ---- helpers (independent of the builder's own checks) ----------------------------------------------------

const ROI_AHEAD_M = 60;
const ROI_LATERAL_M = 8;

function corners(b: Box2): Array<[number, number]> {
  const c = Math.cos(b.headingRad);
  const s = Math.sin(b.headingRad);
  const hl = b.lengthM / 2;
  const hw = b.widthM / 2;
  return [[hl, hw], [hl, -hw], [-hl, -hw], [-hl, hw]].map(([x, y]) => [b.xM + c * x! - s * y!, b.yM + s * x! + c * y!]);
}

function pointSegment(px: number, py: number, [ax, ay]: [number, number], [bx, by]: [number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function inside(px: number, py: number, b: Box2): boolean {
  const dx = px - b.xM;
  const dy = py - b.yM;
  const c = Math.cos(b.headingRad);
  const s = Math.sin(b.headingRad);
  return Math.abs(c * dx + s * dy) <= b.lengthM / 2 && Math.abs(-s * dx + c * dy) <= b.widthM / 2;
}

/** Gap between two boxes (0 if a corner of one is inside the other; edge crossings without that are impossible here). */
function gapM(a: Box2, b: Box2): number {
  const ca = corners(a);
  const cb = corners(b);
  if (ca.some(([x, y]) => inside(x, y, b)) || cb.some(([x, y]) => inside(x, y, a))) return 0;
  let best = Infinity;
  for (const [pts, other] of [[ca, cb], [cb, ca]] as const) {
    for (const [x, y] of pts) for (let i = 0; i < 4; i++) best = Math.min(best, pointSegment(x, y, other[i]!, other[(i + 1) % 4]!));
  }
  return best;
}

function pointGapM(p: { xM: number; yM: number }, b: Box2): number {
  if (inside(p.xM, p.yM, b)) return 0;
  const c = corners(b);
  return Math.min(...c.map((q, i) => pointSegment(p.xM, p.yM, q, c[(i + 1) % 4]!)));
}

const egoBox = (s: Scenario, tS: number): Box2 => {
  const e = egoAt(s, tS);
  return { xM: e.xM, yM: e.yM, headingRad: e.headingRad, lengthM: s.ego.lengthM, widthM: s.ego.widthM };
};

const frameTimes = (s: Scenario): number[] =>
  Array.from({ length: Math.floor(s.durationS * s.frameRateHz) }, (_, k) => k / s.frameRateHz);

function egoView(s: Scenario, tS: number, occlusion = s.ego.sensor.occlusion): Viewpoint {
  const e = egoAt(s, tS);
  return { xM: e.xM, yM: e.yM, yawRad: e.headingRad, rangeM: s.ego.sensor.rangeM, fovRad: s.ego.sensor.fovRad, occlusion };
}

/** Nearby boxes only: a box further than range + its half-diagonal cannot cut a sight line shorter than range. */
function blockersFor(view: Viewpoint, target: TruthActor, others: readonly TruthActor[]): TruthActor[] {
  return others.filter((b) => b !== target
    && Math.hypot(b.xM - view.xM, b.yM - view.yM) <= view.rangeM + Math.hypot(b.lengthM, b.widthM) / 2);
}

interface VisibilityStats {
  /** (frame, actor) pairs in the ROI. */
  roiPairs: number;
  /** ... seen by an RSU and not by the ego (what fusion_miss_ratio is computed over). */
  rsuOnlyPairs: number;
  /** ... of those, in the ego sensor's range and FOV but hidden by another actor. */
  occludedPairs: number;
  occludedByActor: Map<number, number>;
  /** Occluded pairs per frame (index k: time k / frameRateHz). */
  occludedPerFrame: number[];
  /** Which actors were occluded, per frame. */
  occludedIds: number[][];
}

/** Sampled at the scenario's frame rate, as the simulator scores it. */
function visibilityStats(s: Scenario): VisibilityStats {
  const frame = new RouteFrame(s.ego.route);
  const cum = frame.line.cumulativeM;
  const stats: VisibilityStats = { roiPairs: 0, rsuOnlyPairs: 0, occludedPairs: 0, occludedByActor: new Map(), occludedPerFrame: [], occludedIds: [] };
  for (const tS of frameTimes(s)) {
    stats.occludedPerFrame.push(0);
    stats.occludedIds.push([]);
    const truth = truthAt(s, tS);
    const e = egoAt(s, tS);
    const near = truth.filter((a) => a.id !== EGO_ID && Math.hypot(a.xM - e.xM, a.yM - e.yM) <= ROI_AHEAD_M + ROI_LATERAL_M + 5);
    if (near.length === 0) continue;
    // The route ahead of the ego, [s, s + 60 m].
    const s0 = frame.arcAtTime(tS);
    const s1 = Math.min(frame.lengthM, s0 + ROI_AHEAD_M);
    const ahead = [frame.pointAt(s0), ...s.ego.route.filter((_, i) => cum[i]! > s0 && cum[i]! < s1), frame.pointAt(s1)];
    const others = truth.filter((a) => a.id !== EGO_ID);
    const view = egoView(s, tS);
    for (const a of near) {
      const p = projectToPolyline(ahead, a);
      if (!(p.sM > 0 && Math.abs(p.lateralM) <= ROI_LATERAL_M)) continue;
      stats.roiPairs++;
      const rsuSees = s.rsus.some((r) => isVisible(
        { ...r.pose, rangeM: r.sensor.rangeM, fovRad: r.sensor.fovRad, occlusion: r.sensor.occlusion }, a, truth.filter((b) => b !== a),
      ));
      if (!rsuSees || isVisible(view, a, blockersFor(view, a, others))) continue;
      stats.rsuOnlyPairs++;
      if (isVisible({ ...view, occlusion: false }, a, [])) {
        stats.occludedPairs++;
        stats.occludedPerFrame[stats.occludedPerFrame.length - 1]!++;
        stats.occludedIds[stats.occludedIds.length - 1]!.push(a.id);
        stats.occludedByActor.set(a.id, (stats.occludedByActor.get(a.id) ?? 0) + 1);
      }
    }
  }
  return stats;
}

function minEgoGapM(s: Scenario): { gapM: number; actorId: number; tS: number } {
  let worst = { gapM: Infinity, actorId: -1, tS: 0 };
  for (const tS of frameTimes(s)) {
    const e = egoBox(s, tS);
    for (const a of truthAt(s, tS)) {
      if (a.id === EGO_ID || Math.hypot(a.xM - e.xM, a.yM - e.yM) > 20) continue;
      const g = gapM(e, a);
      if (g < worst.gapM) worst = { gapM: g, actorId: a.id, tS };
    }
  }
  return worst;
}

/** The first (time, actor) found on the route the ego's box sweeps over the next 1.5 s, if any. */
function onPathAhead(s: Scenario): string | undefined {
  const frame = new RouteFrame(s.ego.route);
  for (const tS of frameTimes(s)) {
    const sFrom = frame.arcAtTime(tS) - s.ego.lengthM / 2;
    const sTo = frame.arcAtTime(tS + 1.5) + s.ego.lengthM / 2;
    const pts = Array.from({ length: Math.ceil((sTo - sFrom) / 0.5) + 1 }, (_, i) => frame.pointAt(Math.min(sTo, sFrom + i * 0.5)));
    for (const a of truthAt(s, tS)) {
      if (a.id === EGO_ID || !pts.some((p) => Math.hypot(p.xM - a.xM, p.yM - a.yM) < 10)) continue;
      if (pts.some((p) => pointGapM(p, a) < s.ego.widthM / 2 + 0.3)) return `actor ${a.id} on the ego's path ahead at ${tS} s`;
    }
  }
  return undefined;
}

const roundTrip = (s: Scenario): Scenario => parseScenario(JSON.parse(JSON.stringify(s)), s.name);

// ---- scenario files --------------------------------------------------------------------------------------

describe('scenario files', () => {
  for (const s of Object.values(BUILTIN_SCENARIOS)) {
    it(`built-in ${s.name} validates and survives a JSON round trip`, () => {
      assert.deepEqual(roundTrip(s), s);
    });
  }

  it('lists static and built scenarios', () => {
    const names = listScenarios().map((l) => l.name);
    assert.deepEqual(names, ['occluded-crossing', 'highway-merge', 'mixed-corridor', 'cicv5g-drive']);
    assert.equal(listScenarios().find((l) => l.name === 'cicv5g-drive')?.kind, 'built');
  });

  it('loads YAML and JSON files, and built-ins by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iaad-scenario-'));
    try {
      writeFileSync(join(dir, 's.yaml'), toYaml(highwayMerge));
      writeFileSync(join(dir, 's.json'), JSON.stringify(highwayMerge));
      assert.deepEqual(loadScenarioFile(join(dir, 's.yaml')), highwayMerge);
      assert.deepEqual(loadScenario(join(dir, 's.json')), highwayMerge);
      assert.equal(loadScenario('highway-merge'), highwayMerge);
      assert.throws(() => loadScenario(join(dir, 'nope.yaml')), /unknown scenario .*not a built-in \(occluded-crossing, highway-merge, mixed-corridor, cicv5g-drive\) and no such file/);
      writeFileSync(join(dir, 'bad.yaml'), 'name: [unclosed');
      assert.throws(() => loadScenarioFile(join(dir, 'bad.yaml')), /cannot parse scenario/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the bad field', () => {
    const bad = JSON.parse(JSON.stringify(highwayMerge)) as Record<string, unknown> & Scenario;
    bad.actors[1]!.trajectory[3]!.tS = -1;
    bad.actors[1]!.trajectory[5]!.tS = 0.1;
    (bad.actors[0] as unknown as Record<string, unknown>).objectClass = 'tractor';
    bad.rsus[0]!.sensor.fovRad = 7;
    (bad.ego as unknown as Record<string, unknown>).speedMps = 25;
    delete (bad as Partial<Scenario>).durationS;
    const err = (() => {
      try {
        parseScenario(bad, 'bad.json');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    assert.match(err, /^invalid scenario bad\.json:/);
    for (const field of [
      'actors.1.trajectory.3.tS: must be >= 0', 'actors.1.trajectory.5.tS: times must not go backwards',
      'actors.0.objectClass:', 'rsus.0.sensor.fovRad: must be at most 2*pi',
      'ego: Unrecognized key', 'durationS:',
    ]) {
      assert.ok(err.includes(field), `expected "${field}" in:\n${err}`);
    }
    // Whole-scenario checks run once the fields are valid.
    const dup = JSON.parse(JSON.stringify(highwayMerge)) as Scenario;
    dup.actors[2]!.id = dup.actors[3]!.id;
    dup.rsus.push({ ...dup.rsus[0]! });
    assert.throws(() => parseScenario(dup, 'dup.json'), (e: Error) =>
      e.message.includes('actors.3.id: duplicate id 4 (also actors.2)') && e.message.includes('rsus.1.id: duplicate id "rsu-merge" (also rsus.0)'));
  });

  it('cicv5g-drive without a trace is a clear error', () => {
    assert.throws(() => builtinScenario('cicv5g-drive'), /cicv5g-drive needs a trace: one of urban_n8_v30_run01\.txt/);
    assert.throws(() => builtinScenario('cicv5g-drive', { cicv5gFile: '/no/such/trace.txt' }), /no such file/);
    assert.throws(() => builtinScenario('no-such-scenario'), /unknown scenario "no-such-scenario"; built in: occluded-crossing/);
  });
});

// ---- highway-merge ---------------------------------------------------------------------------------------

describe('highway-merge', () => {
  const s = highwayMerge;
  const rsu = s.rsus[0]!;

  it('hides the merging car from the ego for >= 2 s while it is within 80 m and the RSU sees it', () => {
    let run = 0;
    let longest = 0;
    let hiddenFrames = 0;
    let approachFrames = 0;
    for (const tS of frameTimes(s)) {
      const truth = truthAt(s, tS);
      const car = truth.find((a) => a.id === HIGHWAY_MERGE_IDS.mergingCar)!;
      const e = egoAt(s, tS);
      const view = egoView(s, tS);
      const inRange = Math.hypot(car.xM - e.xM, car.yM - e.yM) <= 80;
      const rsuSees = isVisible({ ...rsu.pose, rangeM: rsu.sensor.rangeM, fovRad: rsu.sensor.fovRad, occlusion: false }, car, []);
      const egoSees = isVisible(view, car, truth.filter((a) => a.id !== EGO_ID && a !== car));
      // Its approach: within range, before it has entered the ego's lane.
      if (inRange && Math.abs(car.yM) > 1) {
        approachFrames++;
        if (!egoSees) hiddenFrames++;
      }
      if (inRange && rsuSees && !egoSees) longest = Math.max(longest, ++run);
      else run = 0;
    }
    assert.ok(longest / s.frameRateHz >= 2, `longest hidden stretch ${longest / s.frameRateHz} s`);
    assert.ok(hiddenFrames / approachFrames > 0.6, `hidden for ${hiddenFrames} of ${approachFrames} approach frames`);
  });

  it('the car ends up in the ego\'s lane ahead of it, seen by the ego, and nobody comes within 1 m of the ego', () => {
    const car = sampleTrajectory(s.actors.find((a) => a.id === HIGHWAY_MERGE_IDS.mergingCar)!.trajectory, 17);
    const e = egoAt(s, 17);
    assert.ok(Math.abs(car.yM - e.yM) < 0.1 && car.xM - e.xM > 15, `car at ${car.xM - e.xM} m ahead, ${car.yM} m`);
    const truth = truthAt(s, 17);
    const view = egoView(s, 17);
    const target = truth.find((a) => a.id === HIGHWAY_MERGE_IDS.mergingCar)!;
    assert.ok(isVisible(view, target, truth.filter((a) => a.id !== EGO_ID && a !== target)));
    const worst = minEgoGapM(s);
    assert.ok(worst.gapM > 1, `actor ${worst.actorId} within ${worst.gapM.toFixed(2)} m of the ego at ${worst.tS} s`);
  });

  it('has occluded, RSU-visible actors in the region of interest', () => {
    const st = visibilityStats(s);
    assert.ok(st.occludedPairs >= 40, `occluded pairs ${st.occludedPairs}`);
    assert.ok((st.occludedByActor.get(HIGHWAY_MERGE_IDS.mergingCar) ?? 0) >= 20);
  });
});

// ---- mixed-corridor ---------------------------------------------------------------------------------------

describe('mixed-corridor', function () {
  this.timeout(60_000);
  const s = mixedCorridor;

  it('lasts 220 s, with hidden crossings and merges in every good, degraded and outage stretch', () => {
    assert.equal(s.durationS, 220);
    const st = visibilityStats(s);
    const kind = (id: number): string => s.actors.find((a) => a.id === id)!.objectClass;
    for (const w of MIXED_CORRIDOR_STRETCHES) {
      const ids = st.occludedIds.slice(w.fromS * s.frameRateHz, w.toS * s.frameRateHz).flat();
      const peds = ids.filter((id) => kind(id) === 'pedestrian').length;
      const cars = ids.filter((id) => kind(id) === 'car').length;
      assert.ok(peds >= 10 && cars >= 10, `${w.condition} ${w.fromS}-${w.toS} s: ${peds} pedestrian, ${cars} car occluded pairs`);
    }
  });

  it('keeps actors off the ego: > 1 m from its box, off its path 1.5 s ahead', () => {
    const worst = minEgoGapM(s);
    assert.ok(worst.gapM > 1, `actor ${worst.actorId} within ${worst.gapM.toFixed(2)} m of the ego at ${worst.tS} s`);
    assert.equal(onPathAhead(s), undefined);
  });

  it('brings its network: 25 ms when good, 100 ms-1 s when degraded, held >= 1 s in outages', () => {
    const { network } = resolveScenario('mixed-corridor', undefined, undefined);
    assert.equal(network, MIXED_CORRIDOR_NETWORK);
    const model = parseNetworkSpec(network, { fifo: false });
    const rng = new Rng(1);
    for (const w of MIXED_CORRIDOR_STRETCHES) {
      const delays: number[] = [];
      for (let tMs = w.fromS * 1000 + 1; tMs < w.toS * 1000; tMs += 100) delays.push(model.sample(tMs * 1e6, {}, rng).delayMs);
      const late = delays.filter((d) => d >= 100).length / delays.length;
      if (w.condition === 'good') assert.ok(Math.max(...delays) < 100, `${w.fromS}-${w.toS} s`);
      if (w.condition === 'degraded') assert.ok(late > 0.4 && Math.max(...delays) < 1000, `${w.fromS}-${w.toS} s: ${late}`);
      if (w.condition === 'outage') assert.ok(delays.filter((d) => d >= 1000).length / delays.length > 0.9, `${w.fromS}-${w.toS} s`);
    }
  });
});

// ---- cicv5g-drive on the real traces ----------------------------------------------------------------------

/** Minimum occluded-from-the-ego, RSU-visible (actor, frame) pairs in the ROI per trace. */
const MIN_OCCLUDED_PAIRS = 40;

describe('cicv5g-drive', function () {
  this.timeout(60000);
  const cache = new Map<string, { trace: Cicv5gTrace; plan: Cicv5gDrivePlan }>();
  const get = (ctx: Mocha.Context, file: string): { trace: Cicv5gTrace; plan: Cicv5gDrivePlan } => {
    const dir = cicv5gDirOrSkip(ctx);
    let hit = cache.get(file);
    if (!hit) {
      const trace = readCicv5g(join(dir, file));
      hit = { trace, plan: planCicv5gDrive(trace) };
      cache.set(file, hit);
    }
    return hit;
  };

  it('is reachable by name, with the file given as an option or in the name', function () {
    cicv5gDirOrSkip(this);
    const a = builtinScenario('cicv5g-drive', { cicv5gFile: 'south_n8_v10_01', maxDurationS: 30 });
    const b = builtinScenario('cicv5g-drive:south_n8_v10_01.txt', { maxDurationS: 30 });
    assert.deepEqual(a, b);
    assert.equal(a.name, 'cicv5g-drive-south_n8_v10_01');
    assert.equal(a.mapFrame, 'utm51n');
    assert.ok(Math.abs(a.durationS - 30) < 0.1);
  });

  for (const file of CICV5G_FILES) {
    describe(file, () => {
      it('replays the recorded route: first and last positions, duration, standstills kept', function () {
        const { trace, plan } = get(this, file);
        const s = plan.scenario;
        const rows = trace.rows;
        const first = rows[0]!;
        const last = rows[rows.length - 1]!;
        const route = s.ego.route;
        assert.deepEqual(route[0], { tS: 0, xM: first.xM, yM: first.yM });
        const end = route[route.length - 1]!;
        assert.equal(end.tS, (last.pubTimeMs - first.pubTimeMs) / 1000);
        assert.equal(s.durationS, end.tS);
        assert.ok(Math.hypot(end.xM - last.xM, end.yM - last.yM) < 0.25);
        for (let i = 1; i < route.length; i++) assert.ok(route[i]!.tS > route[i - 1]!.tS, `route times increase at ${i}`);
        // The ego is within 0.25 m of every recorded fix at its time (so also where the car stood still), except
        // repeated fixes while the logged speed says the car was moving (stale fixes: interpolated across).
        let far = 0;
        let stale = 0;
        rows.forEach((r, i) => {
          const prev = rows[i - 1];
          if (prev && prev.xM === r.xM && prev.yM === r.yM && r.speedMps >= 0.5) {
            stale++;
            return;
          }
          const e = egoAt(s, (r.pubTimeMs - first.pubTimeMs) / 1000);
          if (Math.hypot(e.xM - r.xM, e.yM - r.yM) > 0.25) far++;
        });
        assert.equal(far, 0, `${far} of ${rows.length} fixes are off the route`);
        assert.ok(stale < rows.length * 0.05);
      });

      it('RSUs cover the route (every route point within 80 m of an RSU)', function () {
        const { plan } = get(this, file);
        const s = plan.scenario;
        let worst = 0;
        for (const w of s.ego.route) {
          worst = Math.max(worst, Math.min(...s.rsus.map((r) => Math.hypot(r.pose.xM - w.xM, r.pose.yM - w.yM))));
        }
        assert.ok(worst <= 80, `a route point is ${worst.toFixed(1)} m from the nearest RSU`);
        assert.equal(s.rsus.length, Math.ceil(plan.routeLengthM / 120));
      });

      it(`has >= ${MIN_OCCLUDED_PAIRS} occluded-from-the-ego, RSU-visible (actor, frame) pairs in the ROI`, function () {
        const { plan } = get(this, file);
        const st = visibilityStats(plan.scenario);
        const s = plan.scenario;
        console.log(
          `      ${file}: route ${plan.routeLengthM.toFixed(0)} m, ${s.durationS.toFixed(1)} s, ${s.rsus.length} RSUs, `
          + `${s.actors.length} actors, ROI pairs ${st.roiPairs}, RSU-only ${st.rsuOnlyPairs}, occluded ${st.occludedPairs} `
          + `(${st.occludedByActor.size} actors), crossings ${plan.crossings.length}, dropped ${plan.dropped.length}`,
        );
        assert.ok(st.occludedPairs >= MIN_OCCLUDED_PAIRS, `only ${st.occludedPairs} occluded pairs`);
        assert.ok(plan.crossings.length >= 1, 'no crossing pedestrian placed');
      });

      it('spreads hidden traffic along the whole drive and into its worst network stretch', function () {
        const { trace, plan } = get(this, file);
        const s = plan.scenario;
        // Sites along the whole route: no 150 m without one (the RSU spacing, plus room to fit one in).
        const arcs = [0, ...plan.siteArcM, plan.routeLengthM];
        const gaps = arcs.slice(1).map((a, i) => a - arcs[i]!);
        assert.ok(Math.max(...gaps) <= 150, `site gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} m`);
        // Occluded, RSU-visible pairs in every third of the drive, and in its worst 20 s of network.
        const per = visibilityStats(s).occludedPerFrame;
        const sum = (fromS: number, toS: number): number =>
          per.slice(Math.ceil(fromS * s.frameRateHz), Math.ceil(toS * s.frameRateHz)).reduce((a, b) => a + b, 0);
        for (let k = 0; k < 3; k++) {
          const n = sum((k * s.durationS) / 3, ((k + 1) * s.durationS) / 3);
          assert.ok(n >= 10, `third ${k + 1} of the drive: ${n} occluded pairs`);
        }
        const w = worstCicv5gWindow(trace, 20);
        const n = sum(w.startS, w.startS + 20);
        assert.ok(n >= 40, `worst 20 s (from ${w.startS.toFixed(1)} s, ${w.outageS.toFixed(1)} s outage): ${n} occluded pairs`);
      });

      it('keeps actors off the ego: > 1 m from its box, crossings done 1.5 s before it arrives', function () {
        const { plan } = get(this, file);
        const s = plan.scenario;
        const worst = minEgoGapM(s);
        assert.ok(worst.gapM > 1, `actor ${worst.actorId} within ${worst.gapM.toFixed(2)} m of the ego at ${worst.tS} s`);

        const frame = new RouteFrame(s.ego.route);
        for (const c of plan.crossings) {
          const a = s.actors.find((x) => x.id === c.actorId)!;
          // When the pedestrian is in the ego's lane corridor at the crossing (its box within 1.25 m of the route).
          const near = [frame.pointAt(c.crossingSM - 10), frame.pointAt(c.crossingSM), frame.pointAt(c.crossingSM + 10)];
          let inS = Infinity;
          let outS = -Infinity;
          for (let tS = 0; tS <= s.durationS; tS += 0.05) {
            const k = sampleTrajectory(a.trajectory, tS);
            if (Math.abs(projectToPolyline(near, k).lateralM) < s.ego.widthM / 2 + 0.3 + a.widthM / 2) {
              inS = Math.min(inS, tS);
              outS = Math.max(outS, tS);
            }
          }
          assert.ok(Number.isFinite(inS), `pedestrian ${a.id} never crosses`);
          const egoFrontArrives = frame.timeAtArc(c.crossingSM - s.ego.lengthM / 2 - a.lengthM / 2);
          const egoRearPassed = frame.timeAtArc(c.crossingSM + s.ego.lengthM / 2 + a.lengthM / 2);
          assert.ok(outS <= egoFrontArrives - 1.5 || inS >= egoRearPassed,
            `pedestrian ${a.id} in the lane ${inS.toFixed(1)}-${outS.toFixed(1)} s, ego there ${egoFrontArrives.toFixed(1)}-${egoRearPassed.toFixed(1)} s`);
        }

        // From the ego's side: at every frame, the route its box sweeps over the next 1.5 s is clear of actors.
        assert.equal(onPathAhead(s), undefined);
      });

      it('validates against the file schema and builds deterministically', function () {
        const { trace, plan } = get(this, file);
        assert.deepEqual(roundTrip(plan.scenario), plan.scenario);
        assert.deepEqual(planCicv5gDrive(trace), plan);
        const ids = plan.scenario.actors.map((a) => a.id);
        assert.equal(new Set(ids).size, ids.length);
        assert.ok(!ids.includes(EGO_ID));
        assert.ok(plan.scenario.actors.length <= 5 * plan.siteArcM.length);
      });
    });
  }
});
