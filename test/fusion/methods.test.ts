import assert from 'node:assert/strict';
import {
  DEFAULT_FUSION_PARAMS,
  placeable,
  usefulPredictionAgeMs,
  resolveFusionParams,
  roadsideDtMs,
  selectRoadsideFrames,
  type FrameInputs,
  type HeldAdvisory,
  type RoadsideFrameInput,
} from '../../shared/fusion/methods.js';
import { fuseInterFrame, INTER_FRAME } from '../../shared/fusion/inter-frame.js';
import { fuseIntraFrame, INTRA_FRAME } from '../../shared/fusion/intra-frame.js';
import {
  advisoryTrackPlaced, advisoryValidForMs, completeWithRoadside, fusePlanning, MAX_MOVING_TRACK_AGE_S, MAX_PLANNER_POSITION_VARIANCE_M2,
  PLANNING, plannerPlaceable,
} from '../../shared/fusion/planning.js';
import { VEHICLE_ONLY, vehicleOnlyObjects } from '../../shared/fusion/vehicle-only.js';
import { LATEST, LINEAR_COMPENSATION, fuseLatest } from '../../shared/fusion/baselines.js';
import type { FusedObject } from '../../shared/fusion/types.js';
import { diagonalCovariance } from '../../shared/model/covariance.js';
import { ZERO_POSE, type DetectedObject, type PerceptionFrame, type PlanningAdvisory, type StateCovariance } from '../../shared/model/types.js';
import { close } from '../support/close.js';
import { detectedObject } from '../support/objects.js';

/** Tolerance of the checks that need no looser one. */
const TOL = 1e-9;

const MS = 1_000_000;
/** Vehicle frame capture, ns (vehicle clock). Below 2^53 so every stamp in these tests is an exact integer;
 * real epoch stamps (~1.7e18 ns) are quantised to 256 ns in a double, see the last inter-frame test. */
const T0 = 4_000_000_000_000_000;
/** RSU clock − vehicle clock. */
const OFFSET_NS = 2 * MS;
const VEH = 'veh-7';
const unit: StateCovariance = diagonalCovariance(1, 1);
/** Unit-σ test objects are at maxPositionStdM (1 m) already: tests of other rules let them be predicted. */
const LOOSE = { maxPositionStdM: 10 };

const obj = (over: Partial<DetectedObject> = {}): DetectedObject => detectedObject({ covariance: unit, ...over });

const frame = (sourceId: string, captureTimeNs: number, objects: DetectedObject[], mapFrame = 'map'): PerceptionFrame => ({
  sourceId, sourceKind: sourceId === VEH ? 'vehicle' : 'rsu', sequence: 1, captureTimeNs, publishTimeNs: captureTimeNs,
  mapFrame, sensorPose: ZERO_POSE, objects,
});

const ownFrame = (objects: DetectedObject[]): PerceptionFrame => frame(VEH, T0, objects);

/** A roadside frame captured `lateMs` before the vehicle frame (vehicle clock), stamped on the RSU clock. */
const rsuFrame = (sourceId: string, lateMs: number, objects: DetectedObject[], mapFrame = 'map', ownNs = T0): RoadsideFrameInput => ({
  frame: frame(sourceId, ownNs - lateMs * MS + OFFSET_NS, objects, mapFrame),
  offsetNs: OFFSET_NS,
});

const sourcesOf = (o: FusedObject): string[] => o.sources.map((s) => `${s.sourceId}#${s.trackId}`);
const bySources = (out: FusedObject[], ...sources: string[]): FusedObject | undefined =>
  out.find((o) => sourcesOf(o).join(',') === sources.join(','));

/** A frame's inputs as VehicleCore builds them: these roadside frames (ego already removed), nothing else. */
const inputs = (own: PerceptionFrame, frames: RoadsideFrameInput[]): FrameInputs => ({
  own, frames, roadside: new Map(frames.map((f) => [f.frame.sourceId, { latest: f, previous: null }])), advisories: new Map(),
  advisoryValidForMs: null, links: [], withoutEgo: (i) => i, params: resolveFusionParams(),
});

describe('fusion/methods', () => {
  describe('roadside time on the vehicle clock', () => {
    it('dt = vehicle capture − (roadside capture − offset)', () => {
      close(roadsideDtMs(ownFrame([]), rsuFrame('rsu-1', 300, [])), 300, TOL);
      close(roadsideDtMs(ownFrame([]), { frame: frame('rsu-1', T0, []), offsetNs: 0 }), 0, TOL);
      // Same stamp, RSU clock 2 ms ahead: the frame was captured 2 ms before the vehicle frame.
      close(roadsideDtMs(ownFrame([]), { frame: frame('rsu-1', T0, []), offsetNs: OFFSET_NS }), 2, TOL);
    });

    it('rejects invalid params', () => {
      assert.throws(() => resolveFusionParams({ vehicleFramePeriodMs: 0 }), /vehicleFramePeriodMs/);
      assert.throws(() => resolveFusionParams({ maxPredictionHorizonMs: -1 }), /maxPredictionHorizonMs/);
      assert.throws(() => resolveFusionParams({ gateProbability: 1 }), /gateProbability/);
      assert.throws(() => resolveFusionParams({ minExistenceProbability: 1.5 }), /minExistenceProbability/);
    });

    it('defaults: RSU σ 0.5 m / 1 m/s, vehicle σ 0.3 m / 0.5 m/s, 100 ms period, 1000 ms horizon, 99 % gate', () => {
      assert.deepEqual(DEFAULT_FUSION_PARAMS.defaultRoadsideCovariance, [0.25, 0, 0, 0, 0.25, 0, 0, 1, 0, 1]);
      DEFAULT_FUSION_PARAMS.defaultVehicleCovariance.forEach((v, k) => close(v, [0.09, 0, 0, 0, 0.09, 0, 0, 0.25, 0, 0.25][k]!, 1e-15));
      assert.equal(DEFAULT_FUSION_PARAMS.vehicleFramePeriodMs, 100);
      // The horizon is where the motion model alone (σ_a 2 m/s²) moves an object by maxPositionStdM (1 m): 1 s.
      assert.equal(DEFAULT_FUSION_PARAMS.maxPositionStdM, 1);
      assert.equal(DEFAULT_FUSION_PARAMS.maxPredictionHorizonMs, usefulPredictionAgeMs(1, 2));
      close(usefulPredictionAgeMs(1, 2), 1000, 1e-9);
      close(usefulPredictionAgeMs(0.5, 0.5), Math.sqrt(2) * 1000, 1e-9);
      assert.equal(DEFAULT_FUSION_PARAMS.gateProbability, 0.99);
      assert.equal(DEFAULT_FUSION_PARAMS.minExistenceProbability, 0);
    });
  });

  describe('intra-frame', () => {
    it('adds the object hidden from the vehicle, method intra, the RSU as its only source', () => {
      const own = ownFrame([obj({ trackId: 1, xM: 0, yM: 0 })]);
      const hidden = obj({ trackId: 17, objectClass: 'pedestrian', xM: 30, yM: 5, vxMps: 1.2 });
      const out = fuseIntraFrame(own, [rsuFrame('rsu-1', 0, [hidden])]);
      assert.equal(out.length, 2);
      const h = out[1]!;
      assert.deepEqual(h.sources, [{ sourceId: 'rsu-1', trackId: 17 }]);
      assert.equal(h.method, 'intra');
      assert.equal(h.objectClass, 'pedestrian');
      assert.equal(h.xM, 30);
      assert.equal(h.yM, 5);
      assert.deepEqual(out[0]!.sources, [{ sourceId: VEH, trackId: 1 }]);
      assert.equal(out[0]!.method, 'intra');
    });

    it('fuses a pair in information form: equal variances average the means and halve the variance', () => {
      const own = ownFrame([obj({ trackId: 4, xM: 10, yM: 0, vxMps: 2 })]);
      const rsu = rsuFrame('rsu-1', 0, [obj({ trackId: 17, xM: 11, yM: 1, vxMps: 3 })]);
      const out = fuseIntraFrame(own, [rsu]);
      assert.equal(out.length, 1);
      const f = out[0]!;
      assert.deepEqual(sourcesOf(f), [`${VEH}#4`, 'rsu-1#17']);
      assert.equal(f.trackId, 4);
      assert.equal(f.method, 'intra');
      close(f.xM, 10.5, TOL);
      close(f.yM, 0.5, TOL);
      close(f.vxMps, 2.5, TOL);
      f.covariance!.forEach((v, k) => close(v, [0.5, 0, 0, 0, 0.5, 0, 0, 0.5, 0, 0.5][k]!, TOL));
    });

    it('information form with unequal variances: 1 and 3 give mean 0.25 of the way, variance 0.75', () => {
      const own = ownFrame([obj({ xM: 0, covariance: diagonalCovariance(1, 1) })]);
      const rsu = rsuFrame('rsu-1', 0, [obj({ trackId: 17, xM: 2, covariance: diagonalCovariance(Math.sqrt(3), Math.sqrt(3)) })]);
      const f = fuseIntraFrame(own, [rsu], LOOSE)[0]!;
      close(f.xM, 0.5, TOL);
      close(f.covariance![0], 0.75, TOL);
      close(f.covariance![7], 0.75, TOL);
    });

    it('does not use an RSU frame 80 ms off a 100 ms period', () => {
      const own = ownFrame([obj({ trackId: 1, xM: 10 })]);
      const rsu = rsuFrame('rsu-1', 80, [obj({ trackId: 17, xM: 10.2 }), obj({ trackId: 18, xM: 40 })]);
      const out = fuseIntraFrame(own, [rsu]);
      assert.equal(out.length, 1);
      assert.deepEqual(sourcesOf(out[0]!), [`${VEH}#1`]);
      assert.equal(out[0]!.xM, 10);
      assert.equal(selectRoadsideFrames('intra', own, [rsu])[0]!.verdict, 'not-same-instant');
      // Also 80 ms early (a frame from the RSU's future on the vehicle clock).
      assert.equal(fuseIntraFrame(own, [rsuFrame('rsu-1', -80, [obj({ trackId: 18, xM: 40 })])]).length, 1);
    });

    it('uses a frame exactly half a period off, and compensates the residual offset', () => {
      const own = ownFrame([]);
      const out = fuseIntraFrame(own, [rsuFrame('rsu-1', 50, [obj({ trackId: 18, xM: 40, vxMps: 10 })])], LOOSE);
      assert.equal(out.length, 1);
      close(out[0]!.xM, 40.5, TOL);
      assert.equal(out[0]!.method, 'intra');
    });

    it('fills a missing roadside covariance with the roadside default', () => {
      const out = fuseIntraFrame(ownFrame([]), [rsuFrame('rsu-1', 0, [obj({ trackId: 18, covariance: null })])]);
      assert.deepEqual(out[0]!.covariance, DEFAULT_FUSION_PARAMS.defaultRoadsideCovariance);
    });

    it('several RSUs: fused sequentially in sourceId order, equal to the batch information form', () => {
      const own = ownFrame([obj({ trackId: 1, xM: 0 })]);
      // Passed rsu-2 first: the order of fusion and of sources is by sourceId, not input order.
      const rsu2 = rsuFrame('rsu-2', 0, [obj({ trackId: 20, xM: 2 }), obj({ trackId: 21, objectClass: 'pedestrian', xM: 50.4 })]);
      const rsu1 = rsuFrame('rsu-1', 0, [obj({ trackId: 10, xM: 1 }), obj({ trackId: 11, objectClass: 'pedestrian', xM: 50 })]);
      const out = fuseIntraFrame(own, [rsu2, rsu1]);
      assert.equal(out.length, 2);
      const seenByAll = bySources(out, `${VEH}#1`, 'rsu-1#10', 'rsu-2#20')!;
      close(seenByAll.xM, 1, TOL); // mean of 0, 1, 2
      close(seenByAll.covariance![0], 1 / 3, TOL);
      // Seen by both RSUs in the vehicle's blind zone: one object, both RSUs as sources.
      const blind = bySources(out, 'rsu-1#11', 'rsu-2#21')!;
      close(blind.xM, 50.2, TOL);
      assert.equal(blind.method, 'intra');
      assert.equal(blind.trackId, 11);
    });

    it('deterministic order: vehicle objects first, then by first source and track id, whatever the input order', () => {
      const vehicleObjects = [obj({ trackId: 3, xM: 0 }), obj({ trackId: 1, xM: 100 })];
      const a = [obj({ trackId: 9, xM: 200 }), obj({ trackId: 2, xM: 300 })];
      const b = [obj({ trackId: 5, xM: 400 })];
      const run = (flip: boolean): string[][] => {
        const own = ownFrame(flip ? [...vehicleObjects].reverse() : vehicleObjects);
        const frames = [rsuFrame('rsu-a', 0, flip ? [...a].reverse() : a), rsuFrame('rsu-b', 0, b)];
        return fuseIntraFrame(own, flip ? frames.reverse() : frames).map(sourcesOf);
      };
      const expected = [[`${VEH}#1`], [`${VEH}#3`], ['rsu-a#2'], ['rsu-a#9'], ['rsu-b#5']];
      assert.deepEqual(run(false), expected);
      assert.deepEqual(run(true), expected);
    });

    it('uses one frame per RSU: the closest in time; other map frames are ignored', () => {
      const own = ownFrame([]);
      const near = rsuFrame('rsu-1', 10, [obj({ trackId: 1 })]);
      const far = rsuFrame('rsu-1', 30, [obj({ trackId: 2 })]);
      const foreign = rsuFrame('rsu-2', 0, [obj({ trackId: 3 })], 'utm51n');
      const sel = selectRoadsideFrames('intra', own, [near, foreign, far]);
      assert.deepEqual(sel.map((s) => [s.input.frame.sourceId, s.dtMs, s.verdict]), [
        ['rsu-1', 30, 'superseded'], ['rsu-1', 10, 'used'], ['rsu-2', 0, 'map-frame'],
      ]);
      assert.deepEqual(fuseIntraFrame(own, [near, foreign, far], LOOSE).map(sourcesOf), [['rsu-1#1']]);
    });

    it('gate edge: σ² 1 + 1 gives a 4.29 m reach on x; just inside fuses, just outside and far away are added apart', () => {
      const own = ownFrame([obj({ trackId: 7 })]);
      const fusedWith = (xM: number): string[][] =>
        fuseIntraFrame(own, [rsuFrame('rsu-1', 0, [obj({ trackId: 1, xM })])]).map(sourcesOf);
      assert.deepEqual(fusedWith(4.2), [[`${VEH}#7`, 'rsu-1#1']]);
      assert.deepEqual(fusedWith(-4.2), [[`${VEH}#7`, 'rsu-1#1']]);
      assert.deepEqual(fusedWith(4.4), [[`${VEH}#7`], ['rsu-1#1']]);
      assert.deepEqual(fusedWith(400), [[`${VEH}#7`], ['rsu-1#1']]);
    });

    it('associates only the objects near an RSU\'s, and pairs them by their place in the whole list', () => {
      const own = ownFrame([obj({ trackId: 1, xM: -100 }), obj({ trackId: 2 }), obj({ trackId: 3, xM: 100 })]);
      const out = fuseIntraFrame(own, [rsuFrame('rsu-1', 0, [obj({ trackId: 5, xM: 0.2 }), obj({ trackId: 6, xM: 200 })])]);
      assert.deepEqual(out.map(sourcesOf), [[`${VEH}#1`], [`${VEH}#2`, 'rsu-1#5'], [`${VEH}#3`], ['rsu-1#6']]);
      close(out[1]!.xM, 0.1, TOL);
    });
  });

  describe('inter-frame', () => {
    // An object at x = 20 m moving at 10 m/s along x: the truth at the vehicle frame's instant is x = 23 m.
    const truthXM = 23;
    const late = obj({ trackId: 17, xM: 20, vxMps: 10, covariance: diagonalCovariance(0.5, 1) });

    it('drops a roadside object its prediction leaves too uncertain to place (maxPositionStdM), keeps a steady one', () => {
      // A track that just restarted after an abrupt stop: velocity unknown (σ 10 m/s, as the RSU tracker says).
      const restarted = obj({ trackId: 18, xM: 40, covariance: diagonalCovariance(0.2, 10) });
      const steady = obj({ trackId: 19, xM: 60, vxMps: 10, covariance: diagonalCovariance(0.2, 0.3) });
      const at = (lateMs: number): string[][] => fuseInterFrame(ownFrame([]), [rsuFrame('rsu-1', lateMs, [restarted, steady])]).map(sourcesOf);
      // σ 0.2 m at 0 ms; sqrt(0.04 + 100 · 0.05² + …) ≈ 0.52 m at 50 ms; ≈ 1.0 m at 100 ms; 3 m at 300 ms.
      assert.deepEqual(at(50), [['rsu-1#18'], ['rsu-1#19']]);
      assert.deepEqual(at(300), [['rsu-1#19']]);
      assert.deepEqual(at(500), [['rsu-1#19']]);
      assert.equal(placeable(steady, 0.2), true);
      assert.equal(placeable(steady, 0.19), false);
      assert.equal(placeable(obj({ covariance: null }), 0.01), true);
      // The larger axis counts, correlation included: [[1, 0.9], [0.9, 1]] has eigenvalues 1.9 and 0.1.
      assert.equal(placeable(obj({ covariance: [1, 0.9, 0, 0, 1, 0, 0, 1, 0, 1] }), Math.sqrt(1.89)), false);
      assert.equal(placeable(obj({ covariance: [1, 0.9, 0, 0, 1, 0, 0, 1, 0, 1] }), Math.sqrt(1.91)), true);
      assert.throws(() => fuseInterFrame(ownFrame([]), [], { maxPositionStdM: 0 }), /maxPositionStdM/);
    });

    it('the vehicle\'s object and one roadside track: information form; with a second RSU: CI', () => {
      const own = ownFrame([obj({ trackId: 4, xM: 23, covariance: diagonalCovariance(0.3, 0.3) })]);
      const rsu = (id: string, xM: number): RoadsideFrameInput => rsuFrame(id, 0, [obj({ trackId: 7, xM, covariance: diagonalCovariance(0.3, 0.3) })]);
      // Equal variances: the information form halves the variance (CI with equal inputs would keep it).
      const one = fuseInterFrame(own, [rsu('rsu-1', 23.2)]);
      assert.deepEqual(sourcesOf(one[0]!), [`${VEH}#4`, 'rsu-1#7']);
      close(one[0]!.xM, 23.1, TOL);
      close(one[0]!.covariance![0], 0.09 / 2, TOL);
      close(one[0]!.covariance![7], 0.09 / 2, TOL);
      // Two RSUs see it: their predicted tracks share the manoeuvre, so CI throughout; no variance below the best input.
      const two = fuseInterFrame(own, [rsu('rsu-1', 23.2), rsu('rsu-2', 23.1)]);
      assert.deepEqual(sourcesOf(two[0]!), [`${VEH}#4`, 'rsu-1#7', 'rsu-2#7']);
      close(two[0]!.covariance![0], 0.09, 1e-9);
      // Intra keeps its own rule (information form for every pair).
      close(fuseIntraFrame(own, [rsu('rsu-1', 23.2), rsu('rsu-2', 23.1)])[0]!.covariance![0], 0.09 / 3, TOL);
    });

    it('compensates a frame 300 ms late: < 0.5 m from the truth instead of ~3 m', () => {
      const out = fuseInterFrame(ownFrame([]), [rsuFrame('rsu-1', 300, [late])]);
      assert.equal(out.length, 1);
      const h = out[0]!;
      assert.equal(h.method, 'inter');
      assert.deepEqual(h.sources, [{ sourceId: 'rsu-1', trackId: 17 }]);
      const compensatedErrorM = Math.abs(h.xM - truthXM);
      const uncompensatedErrorM = Math.abs(late.xM - truthXM);
      assert.ok(compensatedErrorM < 0.5, `compensated error ${compensatedErrorM}`);
      close(uncompensatedErrorM, 3, TOL);
      close(h.xM, 23, TOL);
      // Inflated by the prediction: 0.25 + σv² dt² + σa² dt⁴ / 4 = 0.25 + 0.09 + 4 · 0.0081 / 4.
      close(h.covariance![0], 0.3481, TOL);
    });

    it('associates a compensated late object with the vehicle\'s (uncompensated it would be a ghost duplicate)', () => {
      const own = ownFrame([obj({ trackId: 4, xM: 23.1, vxMps: 10, covariance: diagonalCovariance(0.3, 0.5) })]);
      const out = fuseInterFrame(own, [rsuFrame('rsu-1', 300, [late])]);
      assert.equal(out.length, 1);
      assert.deepEqual(sourcesOf(out[0]!), [`${VEH}#4`, 'rsu-1#17']);
      assert.equal(out[0]!.method, 'inter');
      assert.ok(out[0]!.xM >= 23 && out[0]!.xM <= 23.1 + 1e-9, `fused x ${out[0]!.xM}`);
      // The same roadside objects taken as current (no compensation): 3 m apart, outside the gate, two objects.
      const raw = fuseIntraFrame(own, [rsuFrame('rsu-1', 0, [late])]);
      assert.equal(raw.length, 2);
    });

    it('a frame 1100 ms late (beyond the 1000 ms horizon) contributes nothing', () => {
      const own = ownFrame([obj({ trackId: 4, xM: 26, vxMps: 10 })]);
      const stale = rsuFrame('rsu-1', 1100, [late, obj({ trackId: 18, objectClass: 'pedestrian', xM: -5 })]);
      const out = fuseInterFrame(own, [stale], LOOSE);
      assert.deepEqual(out.map(sourcesOf), [[`${VEH}#4`]]);
      assert.equal(out[0]!.xM, 26);
      assert.ok(out.every((o) => o.sources.every((s) => s.sourceId !== 'rsu-1')));
      assert.equal(selectRoadsideFrames('inter', own, [stale])[0]!.verdict, 'too-old');
      // Exactly at the horizon it is still used (if it is still placeable: LOOSE).
      assert.equal(fuseInterFrame(ownFrame([]), [rsuFrame('rsu-1', 1000, [late])], LOOSE).length, 1);
    });

    it('uses the freshest frame of an RSU; a frame from beyond one period in the future contributes nothing', () => {
      const own = ownFrame([]);
      const older = rsuFrame('rsu-1', 400, [obj({ trackId: 1 })]);
      const fresher = rsuFrame('rsu-1', 200, [obj({ trackId: 2 })]);
      assert.deepEqual(fuseInterFrame(own, [fresher, older], LOOSE).map(sourcesOf), [['rsu-1#2']]);
      const future = rsuFrame('rsu-2', -150, [obj({ trackId: 3 })]);
      assert.equal(selectRoadsideFrames('inter', own, [future])[0]!.verdict, 'from-future');
      assert.deepEqual(fuseInterFrame(own, [future]), []);
      // Within one period ahead (clock-offset error): predicted backwards to the vehicle's instant.
      const slightly = fuseInterFrame(own, [rsuFrame('rsu-2', -80, [obj({ trackId: 3, xM: 10, vxMps: 10 })])], LOOSE);
      close(slightly[0]!.xM, 9.2, TOL);
    });

    it('never uses a frame with a corrupt stamp, nor a corrupt roadside object', () => {
      const own = ownFrame([]);
      const badOffset = { ...rsuFrame('rsu-1', 100, [late]), offsetNs: Number.NaN };
      assert.equal(selectRoadsideFrames('inter', own, [badOffset])[0]!.verdict, 'too-old');
      assert.deepEqual(fuseInterFrame(own, [badOffset]), []);
      const corrupt = rsuFrame('rsu-1', 100, [obj({ trackId: 1, xM: Number.NaN }), obj({ trackId: 2, covariance: [1, 0, 0, 0, 1, 0, 0, Infinity, 0, 1] }), obj({ trackId: 3 })]);
      assert.deepEqual(fuseInterFrame(own, [corrupt], LOOSE).map(sourcesOf), [['rsu-1#3']]);
    });

    it('real epoch stamps: dt is differenced before converting, good to the 256 ns quantum of a double', () => {
      const epochNs = 1_700_000_000_123_456_789;
      const own = frame(VEH, epochNs, []);
      const input = rsuFrame('rsu-1', 300, [late], 'map', epochNs);
      assert.ok(Math.abs(roadsideDtMs(own, input) - 300) <= 512e-6);
      const out = fuseInterFrame(own, [input]);
      assert.ok(Math.abs(out[0]!.xM - truthXM) < 1e-5, `x ${out[0]!.xM}`);
    });
  });

  describe('planning and vehicle-only', () => {
    const own = ownFrame([obj({ trackId: 2, xM: 5, covariance: null }), obj({ trackId: 1, xM: 0 })]);
    const rsu = [rsuFrame('rsu-1', 0, [obj({ trackId: 17, xM: 60 })])];

    it('vehicle-only: the vehicle\'s objects, sorted, default covariance filled', () => {
      const out = vehicleOnlyObjects(own);
      assert.deepEqual(out.map(sourcesOf), [[`${VEH}#1`], [`${VEH}#2`]]);
      assert.ok(out.every((o) => o.method === 'vehicle-only'));
      assert.deepEqual(out[1]!.covariance, DEFAULT_FUSION_PARAMS.defaultVehicleCovariance);
    });

    it('vehicle-only ignores roadside objects', () => {
      assert.deepEqual(VEHICLE_ONLY.fuse(inputs(own, rsu)), vehicleOnlyObjects(own));
      assert.equal(VEHICLE_ONLY.unusable(inputs(own, [])), null);
    });

    it('planning completion: old roadside tracks, predicted, add only what the vehicle does not see', () => {
      // A pedestrian the vehicle tracks walking at 1.4 m/s, which an advisory issued 2 s ago still shows standing
      // (it started walking since); and a car only the RSU sees, moving at 5 m/s.
      const walker = obj({ trackId: 3, objectClass: 'pedestrian', xM: 30, yM: 1, vyMps: -1.4, covariance: diagonalCovariance(0.3, 0.3) });
      const stale = obj({ trackId: 21, objectClass: 'pedestrian', xM: 30, yM: 1.5, covariance: diagonalCovariance(0.3, 0.3) });
      const hidden = obj({ trackId: 22, xM: 40, yM: -8, vyMps: 5, covariance: diagonalCovariance(0.5, 1) });
      const advisory = rsuFrame('rsu-1', 2000, [stale, hidden]);
      const out = completeWithRoadside(ownFrame([walker]), [advisory], { maxPredictionHorizonMs: 2001, ...LOOSE });
      assert.deepEqual(out.map(sourcesOf), [[`${VEH}#3`], ['rsu-1#22']]);
      assert.ok(out.every((o) => o.method === 'planning'));
      // The vehicle's estimate is kept as it is, not pulled toward the stale one.
      assert.deepEqual([out[0]!.xM, out[0]!.yM, out[0]!.vyMps], [30, 1, -1.4]);
      // The hidden car predicted over the 2 s: 10 m further.
      close(out[1]!.yM, 2, TOL);
      // The stale track is the same pedestrian (inter-frame fusion pairs them); completion keeps the vehicle's.
      const paired = fuseInterFrame(ownFrame([walker]), [advisory], { maxPredictionHorizonMs: 2001, ...LOOSE });
      assert.deepEqual(sourcesOf(paired[0]!), [`${VEH}#3`, 'rsu-1#21']);
      // Beyond the horizon the caller allows, nothing is added.
      assert.deepEqual(completeWithRoadside(ownFrame([walker]), [advisory]).map(sourcesOf), [[`${VEH}#3`]]);
    });

    it('minExistenceProbability drops weak objects after fusion (noisy-OR keeps a confirmed one)', () => {
      const weakOwn = ownFrame([obj({ trackId: 1, xM: 0, existenceProbability: 0.3 })]);
      const frames = [rsuFrame('rsu-1', 0, [obj({ trackId: 17, xM: 0.5, existenceProbability: 0.4 }), obj({ trackId: 18, xM: 60, existenceProbability: 0.4 })])];
      const out = fuseIntraFrame(weakOwn, frames, { minExistenceProbability: 0.5 });
      assert.deepEqual(out.map(sourcesOf), [[`${VEH}#1`, 'rsu-1#17']]);
      close(out[0]!.existenceProbability, 1 - 0.7 * 0.6, TOL);
      assert.deepEqual(vehicleOnlyObjects(weakOwn, { minExistenceProbability: 0.5 }), []);
    });
  });

  describe('planning fusion from held advisories', () => {
    const walker = obj({ trackId: 3, objectClass: 'pedestrian', xM: 30, yM: 1, vyMps: -1.4 });
    const hidden = obj({ trackId: 22, xM: 40, yM: -8, vyMps: 5 });
    /** An advisory of rsu-1 issued `ageMs` before the vehicle frame (RSU clock), valid for `validMs` after issue. */
    const held = (ageMs: number, validMs: number, objects: DetectedObject[]): HeldAdvisory => {
      const issueTimeNs = T0 - ageMs * MS + OFFSET_NS;
      const advisory: PlanningAdvisory = {
        rsuId: 'rsu-1', vehicleId: VEH, sequence: 4, intentSequence: 2, issueTimeNs, validUntilNs: issueTimeNs + validMs * MS,
        mapFrame: 'map', contextObjects: objects.slice(1),
        // The first object comes with a zone, and again as context: one track, fused once.
        zones: objects.slice(0, 1).map((o) => ({
          startSM: 0, endSM: 5, tStartNs: issueTimeNs, tEndNs: issueTimeNs, objectClass: o.objectClass, confidence: 0.9, trackId: o.trackId, object: o,
        })),
      };
      if (objects[0]) advisory.contextObjects.push(objects[0]);
      return { advisory, offsetNs: OFFSET_NS };
    };

    it('adds the tracks of valid advisories the vehicle does not see, predicted over the advisory\'s age', () => {
      const out = fusePlanning(ownFrame([walker]), [held(2000, 3000, [hidden])], (i) => i);
      assert.deepEqual(out.map(sourcesOf), [[`${VEH}#3`], ['rsu-1#22']]);
      assert.ok(out.every((o) => o.method === 'planning'));
      close(out[1]!.yM, 2, TOL); // 2 s at 5 m/s from -8: the horizon is stretched to the advisory's age
    });

    it('passes each advisory through the ego-removal hook, and skips expired ones', () => {
      const seen: number[][] = [];
      const dropAll = (i: RoadsideFrameInput): RoadsideFrameInput => {
        seen.push(i.frame.objects.map((o) => o.trackId));
        return { ...i, frame: { ...i.frame, objects: [] } };
      };
      const out = fusePlanning(ownFrame([walker]), [held(1000, 3000, [hidden, walker]), held(4000, 3000, [hidden])], dropAll);
      assert.deepEqual(seen, [[22, 3]]); // the zone's track once; the expired advisory never reached the hook
      assert.deepEqual(out.map(sourcesOf), [[`${VEH}#3`]]);
      // None valid: the vehicle's objects, marked planning.
      const none = fusePlanning(ownFrame([walker]), [held(4000, 3000, [hidden])], (i) => i);
      assert.deepEqual(none, vehicleOnlyObjects(ownFrame([walker]), {}, 'planning'));
    });

    it('past 3 s, a long-valid advisory places its standing tracks only; the planner takes only placeable ones', () => {
      // Valid 10 s (asked for before a mapped bad stretch), 5 s old: the car moving at 5 m/s would be a 25 m CV
      // extrapolation; the parked van (0.2 m/s of tracking noise) is where the RSU saw it.
      const van = obj({ trackId: 30, objectClass: 'truck', xM: 50, yM: -4, vxMps: 0.2 });
      const old = fusePlanning(ownFrame([walker]), [held(5000, 10_000, [hidden, van])], (i) => i);
      assert.deepEqual(old.map(sourcesOf), [[`${VEH}#3`], ['rsu-1#30']]);
      // Held where the RSU saw it: its 0.2 m/s is tracking noise, not 1 m of motion over the 5 s.
      assert.deepEqual([old[1]!.xM, old[1]!.yM, old[1]!.vxMps, old[1]!.vyMps], [50, -4, 0, 0]);
      const young = fusePlanning(ownFrame([walker]), [held(2500, 10_000, [hidden, van])], (i) => i);
      assert.deepEqual(young.map(sourcesOf), [[`${VEH}#3`], ['rsu-1#22'], ['rsu-1#30']]);
      assert.equal(advisoryTrackPlaced(hidden, MAX_MOVING_TRACK_AGE_S), true);
      assert.equal(advisoryTrackPlaced(hidden, MAX_MOVING_TRACK_AGE_S + 0.1), false);
      assert.equal(advisoryTrackPlaced(van, 60), true);
      // The planner's test for a moving track is the predicted position covariance: an obstacle at 0.3 s, not at
      // 2.5 s (σ > 1.4 m per axis); a standing one until 3 s, not after.
      const at = (ageMs: number): FusedObject => fusePlanning(ownFrame([]), [held(ageMs, 10_000, [hidden])], (i) => i)[0]!;
      assert.equal(plannerPlaceable(at(300), 0.3), true);
      assert.equal(plannerPlaceable(at(2500), 2.5), false);
      assert.ok(at(2500).covariance![0] + at(2500).covariance![4] > MAX_PLANNER_POSITION_VARIANCE_M2);
      const parked = fusePlanning(ownFrame([]), [held(2500, 10_000, [van])], (i) => i)[0]!;
      assert.equal(plannerPlaceable(parked, 2.5), true);
      assert.equal(plannerPlaceable(parked, MAX_MOVING_TRACK_AGE_S + 0.1), false);
    });

    it('is usable while an advisory is valid: advisoryValidForMs', () => {
      close(advisoryValidForMs([held(1000, 3000, []), held(500, 1000, [])], T0)!, 2000, TOL);
      assert.equal(advisoryValidForMs([held(4000, 3000, [])], T0), null);
      assert.equal(PLANNING.unusable({ ...inputs(ownFrame([]), []), advisoryValidForMs: null }), 'no valid advisory');
      assert.equal(PLANNING.unusable({ ...inputs(ownFrame([]), []), advisoryValidForMs: 10 }), null);
    });
  });

  describe('each method as a strategy runs it (FrameFuser)', () => {
    const own = ownFrame([obj({ trackId: 1, xM: 0 })]);

    it('intra and inter fuse the frames with the frame\'s params; each is usable only with a frame in its window', () => {
      const at = (lateMs: number): RoadsideFrameInput[] => [rsuFrame('rsu-1', lateMs, [obj({ trackId: 17, xM: 60 })])];
      assert.deepEqual(INTRA_FRAME.fuse(inputs(own, at(20))), fuseIntraFrame(own, at(20)));
      assert.deepEqual(INTER_FRAME.fuse(inputs(own, at(300))), fuseInterFrame(own, at(300)));
      assert.deepEqual([50, 51].map((ms) => INTRA_FRAME.unusable(inputs(own, at(ms)))), [null, 'no roadside frame usable for intra']);
      // The window is fuseInterFrame's own: up to the horizon old, up to one period from the future.
      assert.deepEqual([1000, 1001, -100, -101].map((ms) => INTER_FRAME.unusable(inputs(own, at(ms)))),
        [null, 'no roadside frame usable for inter', null, 'no roadside frame usable for inter']);
      assert.equal(INTER_FRAME.unusable(inputs(own, [])), 'no roadside frame usable for inter');
    });

    it('a method is usable exactly when its fusion would use a frame (window and map frame alike)', () => {
      for (const lateMs of [-101, -100, -75, -51, -50, 0, 50, 51, 300, 1000, 1001]) {
        for (const mapFrame of ['map', 'other']) {
          const frames = [rsuFrame('rsu-1', lateMs, [obj({ trackId: 17, xM: 60 })], mapFrame)];
          const interUsed = fuseInterFrame(own, frames, LOOSE).some((o) => o.sources.some((s) => s.sourceId === 'rsu-1'));
          const intraUsed = fuseIntraFrame(own, frames, LOOSE).some((o) => o.sources.some((s) => s.sourceId === 'rsu-1'));
          assert.equal(INTER_FRAME.unusable(inputs(own, frames)) === null, interUsed, `inter ${lateMs} ms ${mapFrame}`);
          assert.equal(INTRA_FRAME.unusable(inputs(own, frames)) === null, intraUsed, `intra ${lateMs} ms ${mapFrame}`);
        }
      }
    });

    it('the baselines take any roadside frame; linear compensation removes the ego from both frames it uses', () => {
      const late = [rsuFrame('rsu-1', 2000, [obj({ trackId: 17, xM: 60 })])];
      assert.equal(LATEST.unusable(inputs(own, late)), null);
      assert.equal(LATEST.unusable(inputs(own, [])), 'no roadside frame');
      assert.deepEqual(LATEST.fuse(inputs(own, late)), fuseLatest(own, late));
      const previous = rsuFrame('rsu-1', 2100, [obj({ trackId: 17, xM: 59 })]);
      const removed: number[] = [];
      const x: FrameInputs = {
        ...inputs(own, late), roadside: new Map([['rsu-1', { latest: late[0]!, previous }]]),
        withoutEgo: (i) => {
          removed.push(i.frame.captureTimeNs);
          return i;
        },
      };
      const out = LINEAR_COMPENSATION.fuse(x);
      assert.deepEqual(removed, [late[0]!.frame.captureTimeNs, previous.frame.captureTimeNs]);
      // Moved by its last displacement (1 m per 100 ms) over the 2 s delay: 20 m on.
      close(out.find((o) => o.sources[0]!.sourceId === 'rsu-1')!.xM, 80, TOL);
    });
  });
});
