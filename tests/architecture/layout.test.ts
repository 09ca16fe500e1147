// The house rules of issue 8, checked on the real code: rooms import only downwards, no file
// import cycle, and the provider sandbox (a dev/test tool) is never loaded by a production
// process. The import scan is a few lines of regex over our own sources rather than a
// dependency-graph package: it only has to read `import … from "./x.js"` lines.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { testEnv } from "../helpers/app.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "generated") return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** file (relative to the repo) -> the files it imports statically (type-only imports too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/^\s*(?:import|export)\b[^"';]*?from\s+"(\.{1,2}\/[^"]+)"/gm)].map((m) =>
      relative(ROOT, resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts"))),
    );
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

const roomOf = (file: string) => (file.startsWith("src/") ? (file.split("/").length > 2 ? file.split("/")[1]! : "(top)") : file.split("/")[0]!);

describe("the import graph", () => {
  const graph = importGraph();

  it("has no static import of the sandbox from src/", () => {
    const offenders = [...graph].flatMap(([file, targets]) => targets.filter((t) => t.startsWith("sandbox/")).map((t) => `${file} -> ${t}`));
    expect(offenders).toEqual([]);
  });

  it("has no upward arrow from the domain core, events or providers into jobs/, http/ or resolvers/", () => {
    const lower = new Set(["generations", "events", "providers", "storage", "auth", "db"]);
    const upper = new Set(["jobs", "http", "resolvers", "schema", "subscriptions"]);
    const offenders = [...graph].flatMap(([file, targets]) =>
      lower.has(roomOf(file)) ? targets.filter((t) => upper.has(roomOf(t))).map((t) => `${file} -> ${t}`) : [],
    );
    expect(offenders).toEqual([]);
  });

  it("has no cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const walk = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") return void cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      state.set(file, "open");
      for (const t of graph.get(file) ?? []) walk(t, [...path, file]);
      state.set(file, "done");
    };
    for (const file of graph.keys()) walk(file, []);
    expect(cycles).toEqual([]);
  });
});

describe("a production process with real provider keys", () => {
  it("never loads sandbox code", async () => {
    const record = join(mkdtempSync(join(tmpdir(), "castad-imports-")), "imports.txt");
    const env = testEnv({
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      PORT: "0",
      SANDBOX: "auto",
      JWT_SECRET: "a production secret that is long enough to pass",
      WEBHOOK_SECRET: "another long production secret",
      OPENAI_API_KEY: "sk-test",
      SUNO_API_KEY: "suno-test",
      CREATOMATE_API_KEY: "creatomate-test",
      PUBLIC_URL: "https://castad.example.com",
      // Storage is the test run's Azurite: allowed here, and no calls to the real providers.
      ALLOW_PRIVATE_URLS: "true",
      STARTUP_CHECKS: "false",
      RECORD_IMPORTS_FILE: record,
    });
    const child = spawn(process.execPath, ["--import", "tsx", "--import", "./tests/helpers/record-imports.mjs", "src/main.ts", "--role=all"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<number | string>((res) => child.once("exit", (code, signal) => res(code ?? signal ?? -1)));
    await new Promise<void>((res, rej) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"msg":"ready"')) res();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      void exited.then((code) => rej(new Error(`castad exited (${code}) before ready:\n${output}`)));
    });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const loaded = readFileSync(record, "utf8").split("\n").filter((u) => u.startsWith("file://") && !u.includes("/node_modules/"));
    expect(loaded.some((u) => u.includes("/src/main.ts"))).toBe(true); // the recorder saw our modules
    expect(loaded.filter((u) => u.includes("/sandbox/"))).toEqual([]);
    expect(output).not.toContain("sandbox");
  });
});
