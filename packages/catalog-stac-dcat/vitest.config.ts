import { defineConfig } from 'vitest/config';
import { packageTestConfig } from '@sealpack/test-registry/vitest-preset';

// Pure functions and files: no registry to start.
export default defineConfig(packageTestConfig({ registries: false }));
