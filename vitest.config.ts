import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'client/test/**/*.test.ts'],
    // The web tests serve the built pages; this builds them when web/ is newer than dist/web.
    globalSetup: ['test/browser/build-web-once.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Renders spawn ffmpeg and worker threads; two cores are shared better by fewer test files at once.
    maxWorkers: 2,
  },
});
