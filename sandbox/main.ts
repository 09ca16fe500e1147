/**
 * CLI: `npm run sandbox` (tsx sandbox/main.ts).
 * Settings come from the app's config (SANDBOX_HOST, SANDBOX_PORT, SANDBOX_API_KEY, SANDBOX_SPEED,
 * SANDBOX_LATENCY_MS, SANDBOX_ERROR_RATE, SANDBOX_QUIET); sandbox-only extras from the
 * environment: SANDBOX_PUBLIC_URL, SANDBOX_SUNO_ERROR_HTTP (mirror | 200),
 * SANDBOX_SUNO_GENERATE_LIMIT (20 per 10 s, 0 = off).
 */
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startSandbox, type SandboxOptions } from "./server.js";
import { sandboxOptions } from "./from-config.js";

function envNum(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const quiet = config.SANDBOX_QUIET;
  const logger = createLogger(config.LOG_LEVEL, "sandbox");
  const log = (msg: string) => logger.info(msg);
  const opts: SandboxOptions = sandboxOptions(config, quiet ? () => undefined : log);
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
  createLogger("error", "sandbox").fatal({ err }, "sandbox failed");
  process.exit(1);
});
