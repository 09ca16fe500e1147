// Starts the Azurite blob emulator as a child process (require('azurite') only works inside
// VS Code). Resolves once Azurite says it listens, with the port it actually bound.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

interface AzuriteOptions {
  host: string;
  port: number; // 0 = any free port
  location?: string; // omit for in-memory
}

export interface AzuriteHandle {
  host: string;
  port: number;
  stop(): Promise<void>;
}

function azuriteBin(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("azurite/package.json")), "dist", "src", "blob", "main.js");
}

export function startAzurite(opts: AzuriteOptions): Promise<AzuriteHandle> {
  const args = [azuriteBin(), "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose"];
  args.push("--blobHost", opts.host, "--blobPort", String(opts.port));
  if (opts.location) {
    mkdirSync(opts.location, { recursive: true });
    args.push("--location", opts.location);
  } else {
    args.push("--inMemoryPersistence");
  }
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /successfully listens on https?:\/\/[^:\s]+:(\d+)/.exec(output);
      if (!m) return;
      child.stdout?.off("data", onData);
      child.stdout?.resume();
      child.off("exit", onEarlyExit);
      resolve({
        host: opts.host,
        port: Number(m[1]),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    const onEarlyExit = (code: number | null) =>
      reject(new Error(`azurite exited (${code}) before listening: ${output.trim().slice(-500)}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    child.once("exit", onEarlyExit);
    child.once("error", reject);
  });
}
