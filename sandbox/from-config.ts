// The sandbox as the app's configuration describes it (npm start and npm run sandbox alike).
import type { Config } from "../src/config.js";
import type { SandboxOptions } from "./server.js";

export function sandboxOptions(config: Config, log: (msg: string) => void): SandboxOptions {
  return {
    host: config.SANDBOX_HOST,
    port: config.SANDBOX_PORT,
    apiKey: config.SANDBOX_API_KEY,
    speed: config.SANDBOX_SPEED,
    latencyMs: config.SANDBOX_LATENCY_MS,
    errorRate: config.SANDBOX_ERROR_RATE,
    sunoErrorHttpStatus: config.SANDBOX_SUNO_ERROR_HTTP,
    sunoTrackSeconds: config.sandboxSunoTrackSeconds,
    log,
  };
}
