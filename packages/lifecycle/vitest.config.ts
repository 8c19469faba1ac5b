import { defineConfig } from 'vitest/config';
import { packageTestConfig } from '@sealpack/test-registry/vitest-preset';

export default defineConfig(packageTestConfig());
