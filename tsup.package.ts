import { defineConfig, type Options } from 'tsup';

/**
 * The build every `@sealpack/*` package shares: ESM for Node 22 with its `.d.ts` and source maps,
 * dist/ emptied first. A package names its entries (one per subpath export) and anything of its own.
 */
export function packageBuild(options: Options): ReturnType<typeof defineConfig> {
  return defineConfig({ format: ['esm'], target: 'node22', dts: true, clean: true, sourcemap: true, ...options });
}
