import { defineConfig } from 'vite';

// React without @vitejs/plugin-react: esbuild compiles JSX (automatic runtime). No inline scripts or
// styles are emitted, so the server's Content-Security-Policy can forbid them.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Inlined assets would become data: URLs, which the CSP allows only for images.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // The largest chunk is nsfwjs's MobileNetV2 weights (3.5 MB, a JavaScript module), loaded only for
    // children's nudity check, never on first load.
    chunkSizeWarningLimit: 4096,
  },
  server: { port: 5173, proxy: { '/v1': { target: 'http://127.0.0.1:8080', ws: true } } },
});
