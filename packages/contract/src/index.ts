export * from './bff/index.js';
export * from './names.js';
export * from './registry/index.js';
export * from './settings.js';
