// The reliability suite (tests/chaos): SIGKILLed workers, private Redis and PostgreSQL servers
// stopped mid-pipeline, denial-of-service queries, odd photos. Same setup as the main suite. Each
// file starts servers and processes of its own (private Redis and PostgreSQL included), so two run
// at once like the main suite: the longest (postgres-outage, mostly a 45 s wait for the outage to
// pass) runs beside the others, 73 and 94 s in two runs instead of 133 s one by one (Dec 7).
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["tests/chaos/**/*.test.ts"],
    // One project: the main config's second project (the Suno error cases again) is not for this run.
    projects: undefined,
    exclude: ["**/node_modules/**"],
    maxWorkers: 2,
    testTimeout: 180_000,
  },
});
