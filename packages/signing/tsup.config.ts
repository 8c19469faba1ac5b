import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per subpath export (package.json "exports"); shared code is split into chunks.
  entry: { index: 'src/index.ts', verify: 'src/entries/verify.ts' },
  splitting: true,
  format: ['esm'],
  target: 'node22',
  dts: true,
  clean: true,
  sourcemap: true,
});
