// The reliability suite (tests/chaos): SIGKILLed workers, private Redis and PostgreSQL servers
// stopped mid-pipeline, denial-of-service queries, odd photos. Same setup as the main suite;
// one file at a time, since each starts servers and processes of its own.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["tests/chaos/**/*.test.ts"],
    // One project: the main config's second project (the pipeline suite again) is not for this run.
    projects: undefined,
    exclude: ["**/node_modules/**"],
    maxWorkers: 1,
    testTimeout: 180_000,
  },
});
