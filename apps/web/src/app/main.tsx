import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter } from 'react-router';
import { App, createQueryClient, type RouterRef } from './app';
import { createRoutes } from './routes';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
const routerRef: RouterRef = { current: null };
const queryClient = createQueryClient(routerRef);
const router = createBrowserRouter(createRoutes(queryClient));
routerRef.current = router;
createRoot(root).render(
  <StrictMode>
    <App router={router} queryClient={queryClient} />
  </StrictMode>,
);
