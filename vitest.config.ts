import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Privileged suites attach real probes: one file at a time keeps them from seeing each other's traffic.
    fileParallelism: false,
    reporters: ['default'],
  },
});
