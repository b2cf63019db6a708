// `npm run soak -- --minutes 10 --rsus 20`: one vehicle process and N roadside processes (one OS process per RSU,
// 10 Hz each, every RSU over the embedded MQTT broker and its own ZeroMQ endpoints) on loopback for M minutes.
// Samples every process's RSS, V8 heap and open file descriptors at the start, every minute and at the end, and
// the frames in and out; prints one JSON object and exits 1 if frames stop or memory grows past the bound below.
//
// The bounds (docs/reliability.md): from the first sample (taken once every link has delivered frames, so
// start-up allocation is over) to the last, the vehicle's and each RSU's RSS may grow at most
// max(RSS_GROWTH_MIB, RSS_GROWTH_FRACTION of the first sample) (unless --skip-rss-bound), and the open fds at
// most FD_GROWTH. Between two samples the vehicle must output frames and every RSU link must deliver frames.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { freePort } from '../shared/net/ports.js';
import { startEmbeddedBroker } from '../shared/transport/broker.js';
import type { MemorySample } from '../shared/process/memory.js';
import { runProcessPair, type PairWatch, type RsuProcessSpec } from '../sim/realtime/process-pair.js';

const RSS_GROWTH_MIB = 64;
const RSS_GROWTH_FRACTION = 0.5;
const FD_GROWTH = 8;

interface ProcSample { pid: number; rssKiB: number; vmHwmKiB: number; fds: number; threads: number; heapUsedMiB: number | null }
interface Sample {
  atS: number;
  vehicle: ProcSample | null;
  /** Summed over the RSU processes, plus the largest single one. */
  rsus: { count: number; rssKiBTotal: number; rssKiBMax: number; fdsTotal: number; fdsMax: number };
  rsuSamples: ProcSample[];
  outputFrames: number;
  /** Per RSU link: frames delivered (merged over both paths) and lost, from the vehicle's last stats line. */
  linksReceived: number[];
  linksLost: number[];
}

const { values } = parseArgs({ options: {
  minutes: { type: 'string', default: '10' }, rsus: { type: 'string', default: '20' }, 'rate-hz': { type: 'string', default: '10' },
  'sample-s': { type: 'string', default: '60' },
  // For the short run in `npm test`: a growth trend over 30 s on a busy machine says little (frames and fds still checked).
  'skip-rss-bound': { type: 'boolean', default: false },
} });
const minutes = Number(values.minutes);
const rsuCount = Number(values.rsus);
const rateHz = Number(values['rate-hz']);
const sampleS = Number(values['sample-s']);
if (!(minutes > 0 && rsuCount >= 1 && rateHz > 0 && sampleS > 0)) throw new Error('soak: --minutes, --rsus, --rate-hz, --sample-s must be positive');

/** The iaad processes this script started: children of this process, told apart by their command line. */
function children(): Array<{ pid: number; role: string; id: string }> {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      const role = argv.find((a) => a === 'vehicle' || a === 'roadside');
      const config = argv[argv.indexOf('--config') + 1] ?? '';
      if (role) out.push({ pid: Number(d), role, id: /roadside-(.+)\.json$/.exec(config)?.[1] ?? role });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function procSample(pid: number, heap: MemorySample | undefined): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    const fds = readdirSync(`/proc/${pid}/fd`).filter((f) => { try { readlinkSync(`/proc/${pid}/fd/${f}`); return true; } catch { return false; } }).length;
    return { pid, rssKiB: field('VmRSS'), vmHwmKiB: field('VmHWM'), fds, threads: field('Threads'),
      heapUsedMiB: heap ? Math.round((heap.heapUsedBytes / 2 ** 20) * 10) / 10 : null };
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const scenario = resolve('examples/occluded-crossing');
  const dir = mkdtempSync(join(tmpdir(), 'iaad-soak-'));
  copyFileSync(join(scenario, 'vehicle.jsonl'), join(dir, 'vehicle.jsonl'));
  const rsus: RsuProcessSpec[] = [];
  for (let i = 1; i <= rsuCount; i++) {
    const id = `rsu-${String(i).padStart(2, '0')}`;
    copyFileSync(join(scenario, 'rsu-1.jsonl'), join(dir, `${id}.jsonl`));
    // All at the crossing: every RSU is relevant to the ego all the time (the most load on the vehicle).
    rsus.push({ id, sensorPose: { xM: 8, yM: 8, zM: 6, yawRad: -2.356, pitchRad: 0, rollRad: 0 },
      zmq: { pubEndpoint: `tcp://127.0.0.1:${await freePort()}`, pullEndpoint: `tcp://127.0.0.1:${await freePort()}` } });
  }
  const broker = await startEmbeddedBroker({ port: 0 });
  const samples: Sample[] = [];
  const heaps = new Map<string, MemorySample>();
  let outputFrames = 0;
  let links: Array<{ merged?: { received?: number; lost?: number } }> = [];
  const startedMs = Date.now();
  const sample = (t0Ms: number): Sample => {
    const kids = children();
    const veh = kids.find((k) => k.role === 'vehicle');
    const rsuSamples = kids.filter((k) => k.role === 'roadside').map((k) => procSample(k.pid, heaps.get(`roadside:${k.id}`))).filter((s): s is ProcSample => s !== null);
    const s: Sample = {
      atS: Math.round((Date.now() - t0Ms) / 100) / 10,
      vehicle: veh ? procSample(veh.pid, heaps.get('vehicle')) : null,
      rsus: { count: rsuSamples.length, rssKiBTotal: sum(rsuSamples.map((r) => r.rssKiB)), rssKiBMax: Math.max(0, ...rsuSamples.map((r) => r.rssKiB)),
        fdsTotal: sum(rsuSamples.map((r) => r.fds)), fdsMax: Math.max(0, ...rsuSamples.map((r) => r.fds)) },
      rsuSamples, outputFrames,
      linksReceived: links.map((l) => l.merged?.received ?? 0), linksLost: links.map((l) => l.merged?.lost ?? 0),
    };
    process.stderr.write(`soak: ${s.atS} s: vehicle rss ${s.vehicle?.rssKiB} KiB heap ${s.vehicle?.heapUsedMiB} MiB fds ${s.vehicle?.fds}; `
      + `${s.rsus.count} rsus rss ${s.rsus.rssKiBTotal} KiB; output ${outputFrames}; received ${sum(s.linksReceived)}\n`);
    return s;
  };
  const until = async ({ logs$, outputs$ }: PairWatch): Promise<void> => {
    const subs: Subscription[] = [
      outputs$.subscribe(() => outputFrames++),
      logs$.pipe(filter((l) => l.entry.msg === 'stats')).subscribe((l) => {
        if (l.entry.memory) heaps.set(l.process, l.entry.memory as MemorySample);
        if (l.process === 'vehicle') links = l.entry.links as typeof links;
      }),
    ];
    // Start once every link delivered frames (and every process logged stats once), so start-up is over.
    await firstValueFrom(logs$.pipe(filter(() => links.length === rsuCount && links.every((l) => (l.merged?.received ?? 0) > 0) && heaps.size === rsuCount + 1)));
    const t0 = Date.now();
    samples.push(sample(t0));
    const end = t0 + minutes * 60_000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(sampleS * 1000, end - Date.now())));
      samples.push(sample(t0));
    }
    subs.forEach((s) => s.unsubscribe());
  };
  const r = await runProcessPair({
    scenarioDir: dir, mapFrame: 'enu:occluded-crossing', workDir: dir, until, mqttUrl: broker.url,
    outputEndpoint: `tcp://127.0.0.1:${await freePort()}`, rsus, rateHz,
  }).finally(() => broker.close());

  const failures: string[] = [];
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || samples.length < 2) failures.push(`only ${samples.length} samples: a process stopped early (logs in ${dir})`);
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    if (b.outputFrames <= a.outputFrames) failures.push(`no output frames between ${a.atS} s and ${b.atS} s`);
    b.linksReceived.forEach((n, k) => { if (n <= (a.linksReceived[k] ?? 0)) failures.push(`${rsus[k]!.id}: no frames between ${a.atS} s and ${b.atS} s`); });
  }
  const grew = (what: string, a: ProcSample | null | undefined, b: ProcSample | null | undefined): void => {
    if (!a || !b) return void failures.push(`${what}: not sampled at start and end`);
    const boundKiB = Math.max(RSS_GROWTH_MIB * 1024, RSS_GROWTH_FRACTION * a.rssKiB);
    if (!values['skip-rss-bound'] && b.rssKiB - a.rssKiB > boundKiB) failures.push(`${what}: RSS grew ${a.rssKiB} -> ${b.rssKiB} KiB (bound +${boundKiB} KiB)`);
    if (b.fds - a.fds > FD_GROWTH) failures.push(`${what}: fds grew ${a.fds} -> ${b.fds} (bound +${FD_GROWTH})`);
  };
  if (first && last) {
    grew('vehicle', first.vehicle, last.vehicle);
    for (const s of first.rsuSamples) grew(`rsu pid ${s.pid}`, s, last.rsuSamples.find((x) => x.pid === s.pid));
  }
  if (r.vehicleExit !== 0) failures.push(`vehicle exited ${r.vehicleExit}`);
  r.roadsideExits.forEach((c, i) => { if (c !== 0) failures.push(`${rsus[i]!.id} exited ${c}`); });

  const v = r.vehicle;
  const report = {
    command: `npm run soak -- --minutes ${minutes} --rsus ${rsuCount}`, rsus: rsuCount, rateHz, minutes,
    wallS: Math.round((Date.now() - startedMs) / 1000),
    bounds: { rssGrowthMiB: RSS_GROWTH_MIB, rssGrowthFraction: RSS_GROWTH_FRACTION, fdGrowth: FD_GROWTH },
    vehicle: v ? {
      ownFrames: v.ownFrames, outputFrames: v.outputFrames, roadsideFrames: v.roadsideFrames, methods: v.methods,
      linksReceived: sum(v.links.map((l) => l.state.merged.received)), linksLost: sum(v.links.map((l) => l.state.merged.lost)),
      duplicatesDropped: sum(v.links.map((l) => l.dedupe.duplicatesDropped)), expired: sum(v.links.map((l) => l.counters.expired)),
      decodeErrors: sum(v.links.map((l) => l.counters.decodeErrors)),
    } : null,
    roadside: { framesPublished: sum(r.roadsides.map((x) => x?.counters.framesPublished ?? 0)) },
    downstreamOutputFrames: r.outputSeen,
    samples: samples.map(({ rsuSamples: _omit, ...s }) => ({ ...s, linksReceived: sum(s.linksReceived), linksLost: sum(s.linksLost) })),
    failures, ok: failures.length === 0, logs: dir,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return failures.length === 0 ? 0 : 1;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

process.exitCode = await main();
