export * from './bff/index.js';
export * from './names.js';
export * from './settings.js';
