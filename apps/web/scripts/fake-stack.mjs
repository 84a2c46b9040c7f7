// The built SPA under `vite preview`, in Debian's Chromium, with `/api/v4` answered in the browser by
// the fake BFF of the component tests (src/test/fake-api.ts, built from the contract schemas).
// Shared by scripts/screenshots.mjs and scripts/page-timing.mjs.
import { chromium } from 'playwright-core';
import { createServer, preview } from 'vite';

let loaded;

/** The TypeScript fake API and fixtures, loaded through Vite. */
export async function loadFakeApi(root) {
  if (loaded) return loaded;
  const loader = await createServer({
    root,
    configFile: false,
    server: { middlewareMode: true },
    appType: 'custom',
    logLevel: 'error',
  });
  const api = await loader.ssrLoadModule('/src/test/fake-api.ts');
  const fx = await loader.ssrLoadModule('/src/test/fixtures.ts');
  const { getResponse } = await loader.ssrLoadModule('msw');
  loaded = { loader, fakeApi: api.fakeApi, createWorld: api.createWorld, fx, getResponse };
  return loaded;
}

export async function startFakeStack(root) {
  const { loader, fakeApi, getResponse } = await loadFakeApi(root);
  const server = await preview({ root, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  const base = server.resolvedUrls.local[0].replace(/\/$/, '');
  const browser = await chromium.launch({
    executablePath: process.env.BERTH_E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });

  /** A fresh browser context whose `/api/v4` answers from `world`. */
  async function open(world, { width, height, colorScheme = 'light' }) {
    const handlers = fakeApi(world);
    const context = await browser.newContext({
      viewport: { width, height },
      colorScheme,
      reducedMotion: 'reduce',
    });
    if (world.session)
      await context.addCookies([{ name: 'berth_csrf', value: world.session.csrf_token, url: base }]);
    const page = await context.newPage();
    await page.route('**/api/v4/**', async (route) => {
      const request = route.request();
      const url = new URL(request.url());
      const fetchRequest = new Request(`http://berth.test${url.pathname}${url.search}`, {
        method: request.method(),
        headers: request.headers(),
        body: ['GET', 'HEAD'].includes(request.method()) ? undefined : request.postData(),
      });
      const answer = await Promise.race([
        getResponse(handlers, fetchRequest),
        new Promise((resolveLater) => setTimeout(() => resolveLater('hang'), 3000)),
      ]);
      if (answer === 'hang') return; // loading states: never answered
      if (!answer) return route.fulfill({ status: 404, json: { message: '404 Not Found' } });
      const headers = Object.fromEntries(answer.headers.entries());
      return route.fulfill({ status: answer.status, headers, body: Buffer.from(await answer.arrayBuffer()) });
    });
    return { context, page };
  }

  async function close() {
    await browser.close();
    await new Promise((done) => server.httpServer.close(done));
    await loader.close();
  }
  return { base, open, close };
}
