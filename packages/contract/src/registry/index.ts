export * from './extension.js';
