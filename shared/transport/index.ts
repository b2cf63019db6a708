// Public surface of the transport layer: one Transport interface, three implementations, one topic scheme.
export * from './types.js';
export * from './topics.js';
export { MemoryBus, MemoryTransport, type MemoryBusOptions, type KindStats, type BusKind } from './memory.js';
export { MqttTransport, connectMqtt, type MqttTransportOptions, type MqttProtocolChoice } from './mqtt.js';
export { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';
export { ZmqTransport, bindZmqServer, connectZmqClient, type ZmqOptions, type ZmqEndpoints } from './zmq.js';
