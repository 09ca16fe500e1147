// Signed callback URLs for providers (Suno callbacks, Creatomate render webhooks). Providers
// cannot send our headers, so each URL carries an HMAC of the generation id: a leaked URL
// exposes one generation's wake-up button, never a shared secret.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Config } from "../config.js";
import { STAGES, type Kind } from "../generations/stages.js";
import { isUuid } from "../ids.js";

const sign = (config: Pick<Config, "webhookSecret">, kind: Kind, id: string) =>
  createHmac("sha256", config.webhookSecret).update(`${kind}:${id}`).digest("base64url");

export function callbackUrl(config: Pick<Config, "webhookSecret" | "publicUrl">, kind: Kind, id: string): string {
  const path = STAGES[kind].webhookPath;
  if (!path) throw new Error(`the ${STAGES[kind].label} stage has no webhook`);
  return `${config.publicUrl}${path}?id=${id}&sig=${sign(config, kind, id)}`;
}

export function verifyCallback(config: Pick<Config, "webhookSecret">, kind: Kind, id: string | null, sig: string | null): boolean {
  if (!id || !sig || !isUuid(id)) return false;
  const expected = Buffer.from(sign(config, kind, id));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
