import { defineConfig } from 'vitest/config';
import { packageTestConfig } from './src/vitest-preset.ts';

// The harness tests itself with the same settings it gives the packages (registries started once).
export default defineConfig(packageTestConfig({ coverageExclude: ['src/vitest-preset.ts', 'src/global-setup.ts'] }));
