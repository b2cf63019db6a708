// Simulated RSU -> vehicle network: CICV5G trace parsing and replay, parametric delay/loss/outage/bandwidth models.
export * from './cicv5g.js';
export * from './models.js';
