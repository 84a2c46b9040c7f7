import { setupServer } from 'msw/node';

/** One msw server for the SPA's component tests; each test installs its world's handlers with `use`. */
export const server = setupServer();
