// Network-quality map of the road: per-cell latency and outage summaries, look-ahead along a path.
export * from './network-map.js';
export * from './build.js';
