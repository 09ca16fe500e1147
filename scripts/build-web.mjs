// Builds the web app into web/dist (run by `npm install`/`npm ci` and `npm run build:web`).
// With `--if-stale` it only builds when a source file is newer than the last build, which is
// what the browser tests use. Without Vite installed (a production install without dev
// dependencies) it says so and leaves the shipped web/dist alone.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const web = fileURLToPath(new URL("../web/", import.meta.url));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

export function isStale() {
  let built;
  try {
    built = statSync(join(web, "dist", "index.html")).mtimeMs;
  } catch {
    return true;
  }
  const sources = Math.max(newest(join(web, "src")), newest(join(web, "public")), statSync(join(web, "index.html")).mtimeMs, statSync(join(web, "vite.config.ts")).mtimeMs);
  return sources > built;
}

export async function buildWeb({ ifStale = false, quiet = false } = {}) {
  if (ifStale && !isStale()) return false;
  let vite;
  try {
    vite = await import("vite");
  } catch {
    console.warn("build-web: vite is not installed (dev dependencies omitted); web/dist is served as it is");
    return false;
  }
  await vite.build({ root: web, configFile: join(web, "vite.config.ts"), logLevel: quiet ? "warn" : "info" });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWeb({ ifStale: process.argv.includes("--if-stale") });
}
