// The one logger. Redaction is by key name so that a secret passed in any object (headers,
// provider options, GraphQL variables) never reaches the log output.
import { createRequire } from "node:module";
import { pino, type Logger, type LoggerOptions } from "pino";
import { currentCorrelation } from "./correlation.js";

const REDACT = [
  "password",
  "*.password",
  "*.*.password",
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "*.*.headers.authorization",
  "apiKey",
  "*.apiKey",
  "secret",
  "*.secret",
  "jwtSecret",
  "webhookSecret",
  "connectionString",
  "*.connectionString",
];

export type { Logger };

/** Pretty lines for a person at a terminal (pino-pretty, a dev dependency), JSON otherwise:
 *  production, pipes, files and tests. */
function prettyAvailable(): boolean {
  if (!process.stdout.isTTY || process.env.NODE_ENV === "production" || process.env.LOG_FORMAT === "json") return false;
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

export function createLogger(level: string, name = "castad"): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
    // Every line written while a request or a job runs names it.
    mixin: () => {
      const c = currentCorrelation();
      return c ? { requestId: c.requestId, traceId: c.traceId } : {};
    },
  };
  if (prettyAvailable()) {
    return pino({ ...options, transport: { target: "pino-pretty", options: { translateTime: "HH:MM:ss.l", ignore: "pid,hostname" } } });
  }
  return pino(options);
}

/** Removes credentials from a URL or free text before it is logged or stored. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1[redacted]")
    .replace(/([?&](?:sig|se|sv|sp|sr|st|skoid|sktid|ske|sks|skv|token|key|api_key|secret)=)[^&\s"']+/gi, "$1[redacted]")
    .replace(/(AccountKey=)[^;\s"']+/gi, "$1[redacted]")
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, "$1[redacted]@")
    .replace(/(redis:\/\/[^:/@\s]*:)[^@\s]+@/gi, "$1[redacted]@");
}
