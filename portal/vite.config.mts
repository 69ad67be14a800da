import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The portal is built into portal/dist, which functions/http/portal.ts serves: index.html at
// `/`, the hashed bundles under /portal/assets/. Why no preset: esbuild's JSX transform for
// Preact is all the build needs, and fewer packages means fewer things to keep up to date.
export default defineConfig({
  root: __dirname,
  base: '/portal/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: resolve(__dirname, 'dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Why: the CSP forbids inline script; the polyfill is not needed by current browsers.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // Two pages: the portal, and the redirect page the sign-in authority returns to (MSAL's bridge).
    rollupOptions: { input: { index: resolve(__dirname, 'index.html'), redirect: resolve(__dirname, 'redirect.html') } },
  },
});
