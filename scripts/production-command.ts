// How production starts a castad process: the Dockerfile's ENTRYPOINT (node and its flags, the
// compiled entry point). The production-install test and the benchmark read it from there, so
// they run, and measure, exactly what the image runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** node's arguments for a role, relative to the package root: e.g. [flags..., "dist/src/main.js", "--role=api"]. */
export function productionNodeArgs(root: string, role: "api" | "worker"): string[] {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (!line) throw new Error("the Dockerfile has no ENTRYPOINT in exec form");
  const [command, ...args] = JSON.parse(line[1]!) as string[];
  if (command !== "node") throw new Error(`the Dockerfile's ENTRYPOINT runs ${command}, not node`);
  return [...args, `--role=${role}`];
}
