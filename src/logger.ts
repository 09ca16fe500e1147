// The one logger. Redaction is by key name so that a secret passed in any object (headers,
// provider options, GraphQL variables) never reaches the log output.
import { pino, type Logger } from "pino";

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

export function createLogger(level: string, name = "castad"): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: "[redacted]" } });
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
