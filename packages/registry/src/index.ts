export { loadConfig, type RegistryConfig } from './config.js';
export { Registry } from './core/registry.js';
export { createApp } from './http/app.js';
export { startServer } from './server.js';
