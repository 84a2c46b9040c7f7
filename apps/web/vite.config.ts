import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // The manifest lets scripts/bundle-size.mjs follow each page's chunks.
  build: { manifest: true },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/jwt': 'http://127.0.0.1:8080' } },
});
