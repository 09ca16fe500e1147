// `npm start` that fails half-way (API port busy, PostgreSQL unreachable) must stop what it had
// started: Azurite and the sandbox free their ports, so the next start does not meet EADDRINUSE.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../helpers/app.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function occupy(port: number) {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(port, "127.0.0.1", resolve));
}

/** Whether something still listens on the port (a child left behind). */
async function listening(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once("error", () => resolve(true));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(false)));
  });
}

async function startAll(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      AZURITE_IN_MEMORY: "true",
      // The run's prefix (removed with the run), not the default "castad": the worker this
      // starts runs for a moment against the test database, and its queues and submission
      // records must not land among a developer's own.
      REDIS_PREFIX: `${inject("redisPrefix")}_lifecycle`,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

describe("a start that fails stops every child it started", () => {
  it.each([
    ["the API port is busy", async (api: number) => ({ PORT: String(api), DATABASE_URL: inject("databaseUrl"), DB_MIGRATE_ON_START: "false", busy: api })],
    ["PostgreSQL is unreachable", async (api: number) => ({ PORT: String(api), DATABASE_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/castad`, busy: 0 })],
  ])("%s", async (_name, make) => {
    const [api, azurite, sandbox] = [await freePort(), await freePort(), await freePort()];
    const { busy, ...env } = await make(api);
    if (busy) await occupy(busy);
    const { code, output } = await startAll({ ...env, AZURITE_PORT: String(azurite), SANDBOX_PORT: String(sandbox) });
    expect(code, output).toBe(1);
    expect(output).toMatch(/started Azurite/);
    console.log(`[lifecycle] ${_name}: exit ${code}; Azurite port ${azurite} ${(await listening(azurite)) ? "STILL IN USE" : "free"}, sandbox port ${sandbox} ${(await listening(sandbox)) ? "STILL IN USE" : "free"}`);
    expect(await listening(azurite)).toBe(false);
    expect(await listening(sandbox)).toBe(false);
  });
});
