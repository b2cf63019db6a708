export * from './models.js';
export * from './predict.js';
