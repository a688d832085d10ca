import { defineConfig } from "vitest/config";

// `npm run e2e:full`: the end-to-end install (~30 min under TCG), run before every release.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 100 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: "forks",
  },
});
