/**
 * CLI: `npm run sandbox` (tsx src/sandbox/main.ts).
 * Env: SANDBOX_PORT (4010), SANDBOX_HOST (127.0.0.1), SANDBOX_API_KEY (sandbox-key), SANDBOX_SPEED (1),
 * SANDBOX_LATENCY_MS (0), SANDBOX_ERROR_RATE (0), SANDBOX_PUBLIC_URL, SANDBOX_SUNO_ERROR_HTTP
 * (mirror | 200), SANDBOX_SUNO_GENERATE_LIMIT (20 per 10 s, 0 = off), SANDBOX_QUIET=1 (no request logs).
 */
import { startSandbox, type SandboxOptions } from "./server.js";

function envNum(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const quiet = process.env.SANDBOX_QUIET === "1";
  const log = (msg: string) => console.log(`[sandbox] ${new Date().toISOString()} ${msg}`);
  const sunoHttp = process.env.SANDBOX_SUNO_ERROR_HTTP;
  const opts: SandboxOptions = {
    host: process.env.SANDBOX_HOST || "127.0.0.1",
    port: envNum("SANDBOX_PORT") ?? 4010,
    apiKey: process.env.SANDBOX_API_KEY || "sandbox-key",
    speed: envNum("SANDBOX_SPEED") ?? 1,
    latencyMs: envNum("SANDBOX_LATENCY_MS") ?? 0,
    errorRate: envNum("SANDBOX_ERROR_RATE") ?? 0,
    sunoErrorHttpStatus: sunoHttp === "200" ? "200" : "mirror",
    log: quiet ? () => undefined : log,
  };
  if (process.env.SANDBOX_PUBLIC_URL) opts.publicUrl = process.env.SANDBOX_PUBLIC_URL;
  const limit = envNum("SANDBOX_SUNO_GENERATE_LIMIT");
  if (limit !== undefined) opts.sunoGenerateLimitPer10s = limit;

  const sandbox = await startSandbox(opts);
  log(`ready at ${sandbox.url}`);
  log(`  OpenAI base URL:     ${sandbox.url}/openai/v1`);
  log(`  Suno base URL:       ${sandbox.url}/suno`);
  log(`  Creatomate base URL: ${sandbox.url}/creatomate`);
  log(`  API key:             ${opts.apiKey}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
