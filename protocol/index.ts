export * from './codes.js';
export * from './frames.js';
export * from './actions.js';
export * from './schema.js';
export * from './validate.js';
