export * from './angles.js';
export * from './transform.js';
export * from './geodesy.js';
export * from './polyline.js';
