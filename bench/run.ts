// `npm run bench`: measured figures, written as JSON to bench/results/ (one file per benchmark plus
// summary.json). Performance goals are checked here, never in timed tests. Each benchmark reports the machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimSpeedRuns } from './sim-speed.js';
import { encodeEnvelope, encodeEnvelopeBody, decodeEnvelope } from '../shared/wire/codec.js';
import { associate } from '../shared/association/components.js';
import { diagonalCovariance } from '../shared/model/covariance.js';
import type { DetectedObject, PerceptionFrame } from '../shared/model/types.js';
import { Rng } from '../sim/world/rng.js';
import { startEmbeddedBroker } from '../shared/transport/broker.js';
import { connectMqtt } from '../shared/transport/mqtt.js';
import { bindZmqServer, connectZmqClient } from '../shared/transport/zmq.js';
import type { Transport } from '../shared/transport/types.js';
import { freePort } from '../shared/net/ports.js';
import { quantileNearestRank } from '../shared/link/window.js';
import { filter, firstValueFrom } from 'rxjs';
import { generateKeyPairSync } from 'node:crypto';
import { ed25519Signer, envelopeSealer, keyIdOf } from '../shared/auth/signed-envelope.js';
import { checkSignature, trustStoreOf } from '../shared/auth/authenticate.js';

interface BenchResult {
  name: string;
  [key: string]: unknown;
}

const machine = () => ({
  cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version, platform: `${os.platform()} ${os.release()}`,
});

const q = (v: number[], p: number): number => quantileNearestRank([...v].sort((a, b) => a - b), p);
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/**
 * Issue 4: a 3-minute scenario with 50 actors must replay in virtual time at least 50x faster than real time.
 * Each strategy in a fresh process (bench/sim-speed.ts: one cold run, then warm runs), on the tsc-compiled
 * JavaScript (how a deployment runs; scripts/build-js.mjs), and for reference on the TypeScript sources under tsx
 * (how the CLI runs from a checkout: tsx wraps every function for its names, which costs a few percent).
 */
function simSpeed(): BenchResult {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, [join(root, 'scripts/build-js.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const strategies = ['adaptive-st', 'inter'] as const;
  const inChild = (args: string[]): SimSpeedRuns => JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', cwd: root })) as SimSpeedRuns;
  const compiled = strategies.map((s) => inChild([join(root, '.build/js/bench/sim-speed.js'), s, String(SIM_SPEED_WARM_RUNS)]));
  const tsx = strategies.map((s) => inChild(['--import', 'tsx', join(root, 'bench/sim-speed.ts'), s, '1']));
  return {
    name: 'sim-speed', build: 'tsc (node .build/js/bench/sim-speed.js STRATEGY 3)', runs: compiled,
    tsxRuns: tsx.map(({ strategy, cold, warm }) => ({ strategy, cold, warm })),
    goalFactor: 50,
    meetsGoalWarm: compiled.every((r) => r.warmMedianFactor >= 50),
    meetsGoalCold: compiled.every((r) => r.cold.factor >= 50),
    meetsGoal: compiled.every((r) => r.warmMedianFactor >= 50 && r.cold.factor >= 50),
  };
}

/** Warm runs per strategy after the cold one. */
const SIM_SPEED_WARM_RUNS = 3;

/** An RSU frame of `count` cars with covariances, from a seeded RNG. */
function benchFrame(count: number, seed: number): PerceptionFrame {
  const rng = new Rng(seed);
  const objects: DetectedObject[] = Array.from({ length: count }, (_, i) => ({
    trackId: i, objectClass: 'car', classConfidence: 0.9, xM: 329000 + rng.next() * 100, yM: 3463000 + rng.next() * 100,
    zM: 0.7, vxMps: rng.normal(0, 5), vyMps: rng.normal(0, 5), headingRad: 0.3, yawRateRadps: 0, lengthM: 4.5, widthM: 1.8,
    heightM: 1.5, covariance: diagonalCovariance(0.3, 0.5), existenceProbability: 0.9, ageS: 2,
  }));
  return {
    sourceId: 'rsu-1', sourceKind: 'rsu', sequence: 1, captureTimeNs: 1.7e18, publishTimeNs: 1.7e18, mapFrame: 'utm51n',
    sensorPose: { xM: 0, yM: 0, zM: 6, yawRad: 0, pitchRad: 0, rollRad: 0 }, objects,
  };
}

function codec(): BenchResult {
  const frame = benchFrame(30, 7);
  const n = 20000;
  let bytes = encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame } });
  let t0 = performance.now();
  for (let i = 0; i < n; i++) bytes = encodeEnvelope({ senderId: 'rsu-1', payload: { kind: 'frame', frame } });
  const encUs = ((performance.now() - t0) * 1000) / n;
  t0 = performance.now();
  for (let i = 0; i < n; i++) decodeEnvelope(bytes);
  const decUs = ((performance.now() - t0) * 1000) / n;
  return { name: 'codec', objectsPerFrame: 30, frameBytes: bytes.length, encodeUs: r3(encUs), decodeUs: r3(decUs) };
}

function association(): BenchResult {
  const out: Array<{ objects: number; ms: number }> = [];
  for (const n of [50, 200, 1000]) {
    const rng = new Rng(n);
    const a: DetectedObject[] = Array.from({ length: n }, (_, i) => ({
      trackId: i, objectClass: 'car', classConfidence: 1, xM: rng.next() * n * 10, yM: rng.next() * 200, zM: 0, vxMps: 0,
      vyMps: 0, headingRad: 0, yawRateRadps: 0, lengthM: 4.5, widthM: 1.8, heightM: 1.5, covariance: diagonalCovariance(0.5, 1),
      existenceProbability: 1, ageS: 1,
    }));
    const b = a.map((o) => ({ ...o, xM: o.xM + rng.normal(0, 0.5), yM: o.yM + rng.normal(0, 0.5) }));
    const reps = n >= 1000 ? 3 : 20;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) {
      associate(a, b, { defaultCovarianceA: diagonalCovariance(0.5, 1), defaultCovarianceB: diagonalCovariance(0.5, 1) });
    }
    out.push({ objects: n, ms: r3((performance.now() - t0) / reps) });
  }
  return { name: 'association', runs: out };
}

async function pingPong(from: Transport, to: Transport, n = 300): Promise<number[]> {
  const echo = to.subscribe('bench/ping').subscribe((m) => void to.publish('bench/pong', m.payload, { qos: 0 }));
  const pongs = from.subscribe('bench/pong');
  const hold = pongs.subscribe();
  const rtts: number[] = [];
  try {
    for (let i = -20; i < n; i++) { // 20 warm-up rounds (also covers the slow joiner)
      const payload = new Uint8Array(512);
      new DataView(payload.buffer).setInt32(0, i);
      const answer = firstValueFrom(pongs.pipe(filter((m) => new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0) === i)));
      const t0 = performance.now();
      let done = false;
      void answer.then(() => (done = true));
      while (!done) {
        await from.publish('bench/ping', payload, { qos: 0 });
        await Promise.race([answer, new Promise((r) => setTimeout(r, 200))]);
      }
      if (i >= 0) rtts.push(performance.now() - t0);
    }
  } finally {
    hold.unsubscribe();
    echo.unsubscribe();
  }
  return rtts;
}

async function transports(): Promise<BenchResult> {
  const results: Array<{ path: string; rttP50Ms: number; rttP99Ms: number; rounds: number }> = [];
  const broker = await startEmbeddedBroker({ port: 0 });
  const a = await connectMqtt({ url: broker.url });
  const b = await connectMqtt({ url: broker.url });
  let rtts = await pingPong(a, b);
  results.push({ path: 'mqtt via aedes (3.1.1), 512 B', rttP50Ms: r3(q(rtts, 0.5)), rttP99Ms: r3(q(rtts, 0.99)), rounds: rtts.length });
  await a.close();
  await b.close();
  await broker.close();
  const [p1, p2] = [await freePort(), await freePort()];
  const server = await bindZmqServer({ downlink: `tcp://127.0.0.1:${p1}`, uplink: `tcp://127.0.0.1:${p2}` });
  const client = connectZmqClient({ downlink: `tcp://127.0.0.1:${p1}`, uplink: `tcp://127.0.0.1:${p2}`, reconnectMaxIntervalMs: 100 });
  rtts = await pingPong(client, server);
  results.push({ path: 'zeromq tcp (PUSH up, PUB down), 512 B', rttP50Ms: r3(q(rtts, 0.5)), rttP99Ms: r3(q(rtts, 0.99)), rounds: rtts.length });
  await client.close();
  await server.close();
  return { name: 'transports', note: 'round trips on loopback; one-way is about half', results };
}

/**
 * Issue 15: what message authentication costs per frame (docs/security.md). A 100-object frame: encoding it
 * unsigned vs sealed (encode + Ed25519 sign), decoding it vs verifying it (locate the signature + Ed25519 verify,
 * which the vehicle does before decoding). Median of 5 batches.
 */
function signing(): BenchResult {
  const frame = benchFrame(100, 15);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  const signer = ed25519Signer(privateKey, keyId);
  const seal = envelopeSealer({ bootEpochNs: 1.7e18, signer });
  const policy = { trust: trustStoreOf([{ keyId, boundTo: 'rsu-1', publicKey }]), requireSigned: true };
  const init = { senderId: 'rsu-1', payload: { kind: 'frame' as const, frame }, expiresAtNs: 1.7e18 };
  const signed = seal(init);
  const unsigned = encodeEnvelope(init);
  const body = encodeEnvelopeBody(init);
  if ('rejection' in checkSignature(signed, policy)) throw new Error('bench: signed frame does not verify');
  const n = 2000;
  const perCallUs = (f: () => unknown): number => {
    for (let i = 0; i < n; i++) f(); // warm-up: JIT, caches
    const batches = Array.from({ length: 5 }, () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) f();
      return ((performance.now() - t0) * 1000) / n;
    });
    return r3(q(batches, 0.5));
  };
  return {
    name: 'signing', objectsPerFrame: 100, frameBytes: unsigned.length, signedFrameBytes: signed.length,
    encodeUs: perCallUs(() => encodeEnvelope(init)), encodeAndSignUs: perCallUs(() => seal(init)),
    signOnlyUs: perCallUs(() => signer.sign(body)),
    decodeUs: perCallUs(() => decodeEnvelope(signed)), verifyUs: perCallUs(() => checkSignature(signed, policy)),
  };
}

const BENCHES: Record<string, () => BenchResult | Promise<BenchResult>> = {
  'sim-speed': simSpeed, codec, association, transports, signing,
};

export async function runBench(o: { only?: string; out: string }): Promise<number> {
  const names = o.only ? o.only.split(',') : Object.keys(BENCHES);
  mkdirSync(o.out, { recursive: true });
  const summary: BenchResult[] = [];
  for (const name of names) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark "${name}"; one of ${Object.keys(BENCHES).join(', ')}`);
    process.stderr.write(`bench ${name} ...\n`);
    const result = { ...(await bench()), machine: machine(), date: new Date().toISOString() };
    writeFileSync(join(o.out, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    summary.push(result);
  }
  writeFileSync(join(o.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary.some((r) => r.meetsGoal === false) ? 1 : 0;
}
