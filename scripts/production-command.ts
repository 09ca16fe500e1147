// How production starts a castad process: the Dockerfile's ENTRYPOINT, `env` with the process
// environment it sets, then node, its flags and the compiled entry point. The production-install
// test and the benchmark read it from there, so they run, and measure, exactly what the image runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface ProductionCommand {
  /** Variables the entry point sets (e.g. MALLOC_ARENA_MAX). */
  env: Record<string, string>;
  /** node's arguments, relative to the package root: [flags..., "dist/src/main.js", "--role=…"]. */
  args: string[];
}

export function productionCommand(root: string, role: "api" | "worker"): ProductionCommand {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile);
  if (!line) throw new Error("the Dockerfile has no ENTRYPOINT in exec form");
  const words = JSON.parse(line[1]!) as string[];
  const env: Record<string, string> = {};
  if (words[0] === "env") {
    words.shift();
    while (words[0]?.includes("=")) {
      const [name, ...value] = words.shift()!.split("=");
      env[name!] = value.join("=");
    }
  }
  const [command, ...args] = words;
  if (command !== "node") throw new Error(`the Dockerfile's ENTRYPOINT runs ${command}, not node`);
  return { env, args: [...args, `--role=${role}`] };
}

/** The same command as one shell line (what `npm run start:dist` runs, without the role). */
export function productionShellLine(root: string): string {
  const { env, args } = productionCommand(root, "api");
  return [...Object.entries(env).map(([k, v]) => `${k}=${v}`), "node", ...args.slice(0, -1)].join(" ");
}
