// npm run doctor: the start-up checks on their own, with a verdict per line; exit 1 if any failed.
import { ConfigError, loadConfig } from "../config.js";
import { formatChecks, runChecks } from "./doctor.js";

try {
  const config = loadConfig();
  const checks = await runChecks(config, { signal: AbortSignal.timeout(60_000) });
  console.log(formatChecks(checks));
  process.exit(checks.every((c) => c.ok) ? 0 : 1);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
