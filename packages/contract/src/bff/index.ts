export * from './common.js';
export * from './groups.js';
export * from './members.js';
export * from './projects.js';
export * from './text.js';
export * from './tokens.js';
export * from './users.js';
