// How long MQTT delivery takes to resume after a broker outage (docs/transports.md, "Reconnect"). Not part of
// `npm run bench`: it needs mosquitto and takes (outage + a few s) per run. A measurement, never asserted.
//
//   npx tsx bench/reconnect.ts [--outage-s 10] [--runs 5] [--max-delay-ms N] [--initial-delay-ms N]
//
// Per run: mosquitto (SIGKILL, as a crash) is down for --outage-s, then started again on the same port; the time
// is from the new broker accepting TCP to the first frame a subscriber receives (a publisher sends every 10 ms).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../shared/net/ports.js';
import { MqttTransport } from '../shared/transport/mqtt.js';
import { framesFilter, frameTopic } from '../shared/transport/topics.js';

const { values } = parseArgs({ options: {
  'outage-s': { type: 'string', default: '10' }, runs: { type: 'string', default: '5' },
  'max-delay-ms': { type: 'string' }, 'initial-delay-ms': { type: 'string' },
  mosquitto: { type: 'string', default: process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto' },
} });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const accepting = (port: number): Promise<boolean> => new Promise((resolve) => {
  const s = net.connect({ port, host: '127.0.0.1' });
  s.once('connect', () => (s.destroy(), resolve(true)));
  s.once('error', () => resolve(false));
});

async function startBroker(port: number, dir: string): Promise<() => void> {
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n`);
  const child = spawn(values.mosquitto, ['-c', conf], { stdio: 'ignore' });
  while (!(await accepting(port))) await sleep(2);
  return () => child.kill('SIGKILL');
}

const port = await freePort();
const dir = mkdtempSync(path.join(os.tmpdir(), 'iaad-reconnect-bench-'));
const opts = {
  url: `mqtt://127.0.0.1:${port}`,
  ...(values['max-delay-ms'] ? { reconnectMaxDelayMs: Number(values['max-delay-ms']) } : {}),
  ...(values['initial-delay-ms'] ? { reconnectInitialDelayMs: Number(values['initial-delay-ms']) } : {}),
};
let kill = await startBroker(port, dir);
const pub = await new MqttTransport({ ...opts, clientName: 'bench-pub' }).connect();
const sub = new MqttTransport({ ...opts, clientName: 'bench-sub' });
let lastAtMs = 0;
sub.subscribe(framesFilter()).subscribe(() => (lastAtMs = performance.now()));
await sub.connect();
const topic = frameTopic('bench', 'rsu-1');
const sender = setInterval(() => void pub.publish(topic, new Uint8Array([1])), 10);
const resumedMs: number[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  while (lastAtMs === 0) await sleep(10);
  kill();
  await sleep(Number(values['outage-s']) * 1000); // the outage itself is the experiment's parameter
  lastAtMs = 0;
  kill = await startBroker(port, dir);
  const backAtMs = performance.now();
  while (lastAtMs === 0) await sleep(1);
  resumedMs.push(Math.round(lastAtMs - backAtMs));
  process.stdout.write(`run ${run + 1}: delivery resumed ${resumedMs.at(-1)} ms after the broker was back\n`);
}
clearInterval(sender);
await Promise.all([pub.close(), sub.close()]);
kill();
rmSync(dir, { recursive: true, force: true });
const sorted = [...resumedMs].sort((a, b) => a - b);
process.stdout.write(`outage ${values['outage-s']} s, ${sorted.length} runs: min ${sorted[0]} ms, median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms\n`);
