export { createKeepAliveServer } from './http-server.js';
export { migrateToLatest } from './migrate.js';
export {
  type Dialect,
  loadPg,
  type OpenDatabaseOptions,
  openDatabase,
  type SqlDatabase,
} from './open-database.js';
export { databaseProblem, folderProblem, listenOn } from './preflight.js';
export { prepareColumnQuery, prepareQuery } from './prepared-query.js';
