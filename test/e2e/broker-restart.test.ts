// The broker killed and restarted under real roadside and vehicle processes (issue 15, "prove it"): the RSU's
// frames come only over MQTT (the vehicle's ZeroMQ endpoints lead nowhere), the embedded broker is closed and
// started again on the same port, and the vehicle receives the RSU's frames again in the same process, its
// transport logging the disconnect and the reconnect. Readiness by log lines only.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, of, share, timeout } from 'rxjs';
import { startEmbeddedBroker } from '../../shared/transport/broker.js';
import type { LinkState } from '../../shared/link/link-monitor.js';
import { startChild } from '../../sim/realtime/children.js';
import { exampleConfigs, logLines } from '../support/example-configs.js';
import { freePort } from '../support/net.js';

const MIN_FRAMES = 20;
/** Safety net only: past it the assertions say what was missing. */
const GIVE_UP_MS = 120_000;

describe('broker killed and restarted under real processes', function () {
  this.timeout(3 * GIVE_UP_MS);

  it('the vehicle receives the RSU over MQTT again, and logs the disconnect and the reconnect', async () => {
    let broker = await startEmbeddedBroker({ port: 0 });
    const port = broker.port;
    const dir = mkdtempSync(join(tmpdir(), 'iaad-broker-restart-'));
    const out = await freePort();
    const cfg = exampleConfigs(dir,
      { 1883: port, 5560: await freePort(), 5561: await freePort(), 5570: out },
      { 1883: port, 5560: await freePort(), 5561: await freePort(), 5570: out });
    const roadside = startChild('roadside', ['roadside', '--config', cfg.roadside], join(dir, 'roadside.log'));
    const vehicle = startChild('vehicle', ['vehicle', '--config', cfg.vehicle], join(dir, 'vehicle.log'));
    const where = `(logs in ${dir})`;
    const lines$ = logLines(vehicle).pipe(share());
    const seen: string[] = [];
    const sub = lines$.subscribe((e) => { if (typeof e.msg === 'string') seen.push(e.msg); });
    const mqttReceived = (e: Record<string, unknown>): number =>
      ((e.links as LinkState[] | undefined)?.[0]?.paths.mqtt?.received) ?? 0;
    const statsWith = (atLeast: number) => firstValueFrom(lines$.pipe(
      filter((e) => e.msg === 'stats' && mqttReceived(e) >= atLeast),
      timeout({ first: GIVE_UP_MS, with: () => of(null) }),
    ));
    try {
      const before = await statsWith(MIN_FRAMES);
      assert.ok(before, `no ${MIN_FRAMES} frames over MQTT before the restart ${where}`);
      // Both waits subscribe before the broker goes: the lines are hot, and the disconnect can be logged before
      // close() resolves, the reconnect before the new broker's start() does.
      const disconnected = firstValueFrom(lines$.pipe(filter((e) => e.msg === 'mqtt disconnected' || e.msg === 'mqtt reconnecting'),
        timeout({ first: GIVE_UP_MS, with: () => of(null) })));
      const reconnected = firstValueFrom(lines$.pipe(filter((e) => e.msg === 'mqtt reconnected'),
        timeout({ first: 2 * GIVE_UP_MS, with: () => of(null) })));
      await broker.close();
      assert.ok(await disconnected, `the vehicle never noticed the broker was gone ${where}`);
      broker = await startEmbeddedBroker({ port });
      assert.ok(await reconnected, `no reconnect logged ${where}`);
      // Frames again: the count read after the reconnect must grow by MIN_FRAMES more.
      const after = await statsWith(mqttReceived(before) + MIN_FRAMES);
      assert.ok(after, `frames did not flow again over MQTT ${where}; vehicle log messages: ${[...new Set(seen)].join(', ')}`);
    } finally {
      sub.unsubscribe();
      vehicle.stop();
      roadside.stop();
    }
    const [v, r] = await Promise.all([vehicle.done, roadside.done]);
    await broker.close();
    assert.equal(v.code, 0, where);
    assert.equal(r.code, 0, where);
  });
});
