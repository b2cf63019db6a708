// MQTT transports a test opens, all closed together (in afterEach), so a failing test leaks no connection.
import { MqttTransport, type MqttTransportOptions } from '../../shared/transport/mqtt.js';

export function transports(): { open(o: MqttTransportOptions): Promise<MqttTransport>; closeAll(): Promise<void> } {
  const open: MqttTransport[] = [];
  return {
    async open(o) {
      const t = new MqttTransport(o);
      open.push(t);
      return t.connect();
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((t) => t.close()));
    },
  };
}
