import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter } from 'react-router';
import { App } from './app';
import { routes } from './routes';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
const router = createBrowserRouter(routes);
createRoot(root).render(
  <StrictMode>
    <App router={router} />
  </StrictMode>,
);
