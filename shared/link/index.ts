// Link monitoring for RSU -> vehicle paths: loss, latency, jitter, clock offset, dual-path de-duplication.
export * from './sequence-tracker.js';
export * from './jitter.js';
export * from './window.js';
export * from './clock-sync.js';
export * from './link-monitor.js';
export * from './dedup.js';
export * from './relevance.js';
