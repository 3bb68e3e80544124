import { defineConfig } from 'vite';

// config.json (the stack's outputs) is written next to the built files at deploy or test
// time, so one build serves every stack.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
});
