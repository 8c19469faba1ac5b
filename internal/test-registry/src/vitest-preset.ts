import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

/**
 * The test settings every package shares: the real-registry global setup (unless `registries: false`), generous timeouts for
 * network tests, a JSON report for `./run test`'s summary, and the coverage floors (80% lines, 70% branches).
 */
export function packageTestConfig(options: { coverageExclude?: string[]; registries?: boolean } = {}): ViteUserConfig {
  return {
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: options.registries === false ? [] : [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/index.ts', 'src/entries/*.ts', ...(options.coverageExclude ?? [])],
        reporter: ['text-summary', 'json-summary'],
        thresholds: { lines: 80, branches: 70 },
      },
    },
  };
}
