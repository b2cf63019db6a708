export * from './kalman.js';
export * from './tracker.js';
