// `iaad sim run --realtime`: the scenario's traces for the seed, an embedded broker, and the RSU(s) and the
// vehicle as separate OS processes over real MQTT and ZeroMQ, started on one scenario clock (--start-at-ms a few
// seconds ahead), each applying the network model to what it receives (--impair), the vehicle recording
// (--record). When the scenario is over they are stopped and the vehicle's recording is scored by the replay
// scorer (its actual arrivals, its strategy): DIR/metrics.json, DIR/report.html, DIR/vehicle.mcap.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NetworkMap } from '../../shared/netmap/network-map.js';
import { freePort } from '../../shared/net/ports.js';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import { parseStrategy, strategyDef, type StrategyName } from '../../shared/fusion/strategies.js';
import type { SimRunArgs } from '../engine/run-setup.js';
import type { RunMetrics } from '../report/types.js';
import { readCicv5g } from '../network/cicv5g.js';
import { buildNetworkMapFromCicv5g } from '../../shared/netmap/build.js';
import { META } from '../../shared/record/metadata.js';
import { scenarioMetadata } from '../replay/metadata.js';
import { writeReplayOutputs } from '../replay/command.js';
import { parseImpairArg, requireEgoFree } from '../network/process-impairment.js';
import { scoreRecording, type ReplayResult } from '../replay/score.js';
import { resolveScenario } from '../scenarios/resolve.js';
import type { Scenario } from '../world/scenario.js';
import { writeTraces } from '../tools/export-traces.js';
import { runProcessPair, type PairResult } from './process-pair.js';

export interface RealtimeOptions {
  scenario: Scenario;
  network: string;
  strategy: StrategyName;
  seed: number;
  /** Output folder: metrics.json, report.html, vehicle.mcap, and realtime/ (configs, traces, logs). */
  out: string;
  /** The scenario as given on the command line (recorded, so that `iaad sim replay` can find it again). */
  scenarioArg?: string;
  cicv5g?: string | null;
  /** The starting map of a strategy that needs one (default: empty, learned online). */
  netmap?: NetworkMap | null;
  /** Vehicle recording (default DIR/vehicle.mcap). */
  record?: string;
  /**
   * How far ahead of now the scenario clock starts: every process must be up by then, ms. Default 8000: two
   * processes starting at once on a busy 2-core machine took 2-6 s. A late process skips the rows already due.
   */
  leadMs?: number;
  /** Processes keep running this long after the scenario's end, for frames in flight, ms. Default 1000. */
  tailMs?: number;
  progress?: (line: string) => void;
}

export interface AgreementTolerance {
  /** Absolute. */
  fusionMissRatio: number;
  /** Absolute. */
  recall: number;
  /** Mean planning displacement error: relative to the virtual run's, or absolute in m, whichever is larger. */
  planningErrorRel: number;
  planningErrorAbsM: number;
}

/**
 * How far a --realtime run may be from `iaad sim run` with the same scenario, seed, network and strategy
 * (docs/replay-and-realtime.md: what differs and why). The planning margin is wide because the exported traces
 * sample the RSU in phase with the vehicle while the virtual run offsets it by 20 ms, which alone moved the
 * mean planning error by +0.5 m (+23 %) on occluded-crossing / fixed:20 / inter.
 */
export const REALTIME_TOLERANCE: Readonly<AgreementTolerance> = Object.freeze({
  fusionMissRatio: 0.05, recall: 0.05, planningErrorRel: 0.35, planningErrorAbsM: 1.0,
});

/** Against the virtual run with the traces' sensor timing (rsuPhaseMs 0): only real-time effects remain. */
export const REALTIME_TWIN_TOLERANCE: Readonly<AgreementTolerance> = Object.freeze({
  fusionMissRatio: 0.05, recall: 0.05, planningErrorRel: 0.2, planningErrorAbsM: 0.5,
});

/** What is outside the tolerance, as readable lines (empty: they agree). */
export function realtimeDisagreements(virtual: RunMetrics, realtime: RunMetrics, t: AgreementTolerance = REALTIME_TOLERANCE): string[] {
  const out: string[] = [];
  const near = (what: string, a: number | null, b: number | null, tol: number): void => {
    if (a === null || b === null) {
      if (a !== b) out.push(`${what}: virtual ${a}, realtime ${b}`);
    } else if (Math.abs(a - b) > tol) out.push(`${what}: virtual ${a.toFixed(4)}, realtime ${b.toFixed(4)} (tolerance ${tol.toFixed(4)})`);
  };
  near('fusion_miss_ratio', virtual.fusion_miss_ratio, realtime.fusion_miss_ratio, t.fusionMissRatio);
  near('recall', virtual.recall, realtime.recall, t.recall);
  const pv = virtual.planning_displacement_error_m.mean;
  near('planning_displacement_error_m.mean', pv, realtime.planning_displacement_error_m.mean,
    Math.max(t.planningErrorRel * Math.abs(pv ?? 0), t.planningErrorAbsM));
  return out;
}

export interface RealtimeRun {
  result: ReplayResult;
  recording: string;
  pair: PairResult;
  startAtMs: number;
  workDir: string;
  /** The RSU-side network spec, if it had to differ from the vehicle's (see uplinkSpec). */
  uplinkSpec: string;
}

/**
 * An RSU process does not know where the ego is; position- and route-indexed traces are replayed by time on
 * its side (the virtual run indexes both directions by the true ego position).
 */
export function uplinkSpec(network: string): string {
  try {
    requireEgoFree(parseImpairArg(network));
    return network;
  } catch {
    return network.replace(/@(position|route)\b/g, '@time');
  }
}

export async function runRealtime(o: RealtimeOptions): Promise<RealtimeRun> {
  const s = o.scenario;
  const say = o.progress ?? (() => undefined);
  const out = resolve(o.out);
  const workDir = join(out, 'realtime');
  const traces = join(workDir, 'traces');
  mkdirSync(workDir, { recursive: true });
  writeTraces(s, o.seed, traces);
  const recording = resolve(o.record ?? join(out, 'vehicle.mcap'));
  const rsuRecording = (id: string): string => join(workDir, `roadside-${id}.mcap`);
  // The processes refuse to overwrite a recording; these are this command's own outputs from an earlier run.
  for (const f of [recording, ...s.rsus.map((r) => rsuRecording(r.id))]) rmSync(f, { force: true });
  let netmapFile: string | undefined;
  if (strategyDef(o.strategy).needsNetmap) {
    netmapFile = join(workDir, 'netmap.json');
    writeFileSync(netmapFile, JSON.stringify((o.netmap ?? new NetworkMap({ mapFrame: s.mapFrame })).toJSON()));
  }

  const broker = await startEmbeddedBroker({ port: 0 });
  try {
    const rsus = [];
    for (const r of s.rsus) {
      const [pub, pull] = [await freePort(), await freePort()];
      rsus.push({
        id: r.id, zmq: { pubEndpoint: `tcp://127.0.0.1:${pub}`, pullEndpoint: `tcp://127.0.0.1:${pull}` },
        sensorPose: { ...r.pose, pitchRad: 0, rollRad: 0 },
      });
    }
    const output = await freePort();
    const startAtMs = Date.now() + (o.leadMs ?? 8000);
    const uplink = uplinkSpec(o.network);
    const scenarioArg = o.scenarioArg && existsSync(o.scenarioArg) ? resolve(o.scenarioArg) : (o.scenarioArg ?? s.name);
    say(`realtime: ${s.name} seed ${o.seed}, ${o.strategy}, network ${o.network}${uplink !== o.network ? ` (RSU side: ${uplink})` : ''}; `
      + `scenario clock starts ${new Date(startAtMs).toISOString()}; broker ${broker.url}; logs in ${workDir}`);
    const pair = await runProcessPair({
      scenarioDir: traces, mapFrame: s.mapFrame, workDir, mqttUrl: broker.url, outputEndpoint: `tcp://127.0.0.1:${output}`,
      durationS: (startAtMs - Date.now() + s.durationS * 1000 + (o.tailMs ?? 1000)) / 1000,
      rsus, loop: false, rateHz: s.frameRateHz, startAtMs, strategy: o.strategy,
      route: s.ego.route.map((w) => ({ xM: w.xM, yM: w.yM })),
      impair: { vehicle: `seed=${o.seed};${o.network}`, roadside: `seed=${o.seed};${uplink}` },
      record: { vehicle: recording, roadside: rsuRecording },
      recordMetadata: {
        [META.mode]: 'realtime',
        ...scenarioMetadata({ name: scenarioArg, seed: o.seed, startNs: startAtMs * 1e6, network: o.network, cicv5g: o.cicv5g ?? null }),
      },
      ...(netmapFile ? { netmapFile } : {}),
    });
    if (pair.vehicleExit !== 0 || !pair.vehicle || !existsSync(recording)) {
      throw new Error(`the vehicle process failed (exit ${pair.vehicleExit}); see ${join(workDir, 'vehicle.log')}`);
    }
    const sent = pair.roadsides.reduce((n, r) => n + (r?.counters.framesPublished ?? 0), 0);
    say(`realtime: processes stopped; scoring ${recording}`);
    const result = await scoreRecording(recording, { scenario: s, roadsideFramesSent: sent, warn: say });
    const firstS = result.series.timeS[0];
    if (firstS === undefined || firstS > 1.5 / s.frameRateHz) {
      say(`realtime: warning: the vehicle's first frame is at ${firstS?.toFixed(2) ?? '-'} s of scenario time: `
        + `the processes started late (raise leadMs); the rows before were skipped`);
    }
    return { result, recording, pair, startAtMs, workDir, uplinkSpec: uplink };
  } finally {
    await broker.close();
  }
}

export async function runSimRealtime(o: SimRunArgs): Promise<number> {
  const strategy = parseStrategy(o.strategy, '--strategy');
  const r = resolveScenario(o.scenario, o.cicv5g, o.network);
  let netmap: NetworkMap | null = null;
  if (strategyDef(strategy).needsNetmap) {
    // As `iaad sim run` starts it: a map file, else built from the drive's CICV5G trace, else empty.
    if (o.netmap) netmap = NetworkMap.fromJSON(JSON.parse(readFileSync(o.netmap, 'utf8')));
    else if (r.cicv5gPath && r.scenario.mapFrame === 'utm51n') netmap = buildNetworkMapFromCicv5g(readCicv5g(r.cicv5gPath));
  }
  const run = await runRealtime({
    scenario: r.scenario, network: r.network, strategy, seed: o.seed, out: o.out, scenarioArg: o.scenario,
    cicv5g: r.cicv5gPath, netmap, ...(o.record ? { record: o.record } : {}),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  for (const p of await writeReplayOutputs(run.result, o.out)) process.stdout.write(`${p}\n`);
  process.stdout.write(`${run.recording}\n`);
  return 0;
}
