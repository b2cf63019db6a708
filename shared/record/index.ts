// Recording and reading iaad traffic as MCAP (protobuf-encoded iaad.v1.Envelope): see docs/recording.md.
export * from './channels.js';
export * from './schema.js';
export * from './file-io.js';
export * from './recorder.js';
export * from './reader.js';
