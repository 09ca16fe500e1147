// Secrets for development without setting any: random ones, created on first start and kept in
// a file (mode 0600) so that `npm run api` and `npm run worker` (and restarts) agree. There is no
// constant secret in the source: a token minted for someone else's instance is never accepted.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

export interface DevSecrets {
  jwtSecret: string;
  webhookSecret: string;
}

const fresh = (): DevSecrets => ({ jwtSecret: randomBytes(32).toString("base64url"), webhookSecret: randomBytes(32).toString("base64url") });

function isSecrets(v: unknown): v is DevSecrets {
  const s = v as Partial<DevSecrets> | null;
  return typeof s?.jwtSecret === "string" && s.jwtSecret.length >= 32 && typeof s.webhookSecret === "string" && s.webhookSecret.length >= 16;
}

/** Reads the file, or creates it (exclusively: two processes starting together agree). */
export function loadOrCreateDevSecrets(file: string): DevSecrets {
  const path = resolve(file);
  try {
    const existing: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (isSecrets(existing)) return existing;
  } catch {
    // missing or unreadable: create below
  }
  mkdirSync(dirname(path), { recursive: true });
  const secrets = fresh();
  try {
    writeFileSync(path, JSON.stringify(secrets), { mode: 0o600, flag: "wx" });
    return secrets;
  } catch {
    // Someone else created it meanwhile (or it held garbage): theirs wins, or we replace garbage.
    try {
      const theirs: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (isSecrets(theirs)) return theirs;
    } catch {
      // fall through
    }
    writeFileSync(path, JSON.stringify(secrets), { mode: 0o600 });
    return secrets;
  }
}

/** Per-process random secrets (tests that do not pass their own). */
export const ephemeralSecrets = fresh;
