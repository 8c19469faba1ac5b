import { defineConfig } from 'vitest/config';
import { packageTestConfig } from '@sealpack/test-registry/vitest-preset';

// The sample data's read-back tests, and the whole demo run against a layout and the real registry.
export default defineConfig(packageTestConfig({ coverageExclude: ['src/run-demo.ts'] }));
