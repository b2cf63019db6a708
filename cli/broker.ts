import { startEmbeddedBroker } from '../shared/transport/broker.js';
import { waitForShutdown } from '../shared/process/shutdown.js';

export async function runBrokerCommand(o: { host: string; port: number }): Promise<void> {
  const broker = await startEmbeddedBroker({ host: o.host, port: o.port });
  process.stdout.write(`embedded MQTT broker (aedes, MQTT 3.1.1) listening on ${broker.url}\n`);
  await waitForShutdown();
  await broker.close();
  process.stdout.write(`${JSON.stringify({ oversizedRefused: broker.counters.oversizedRefused })}\n`);
}
