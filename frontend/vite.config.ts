import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Where /api goes in `vite dev` and `vite preview`; the e2e harness points it at its own backend.
const apiTarget = process.env.DS_API_PROXY_TARGET ?? 'http://localhost:8001'
const proxy = { '/api': { target: apiTarget, changeOrigin: false, ws: true } }

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { port: 5173, proxy },
  preview: { port: 4173, proxy },
  build: {
    // The size report (scripts/size-report.mjs) reads the manifest to work out what each page loads.
    manifest: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    globals: true,
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
    // The first Ant Design render in a file pays for style generation under jsdom (seconds on 2 cores).
    testTimeout: 60_000,
  },
})
