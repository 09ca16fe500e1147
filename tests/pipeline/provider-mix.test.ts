// Every mix of real and sandboxed providers starts and completes an ad. A second sandbox on
// another port, with its own key, stands in for the "real" services; each stack's own sandbox
// serves the providers left without a key. Run as eight stacks at once (one per mix).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { isFinal, projectWithPhotos, startStack, watchEvents, type Stack } from "../helpers/pipeline.js";

const PROVIDERS = ["openai", "suno", "creatomate"] as const;
type Provider = (typeof PROVIDERS)[number];

let real: Sandbox;
beforeAll(async () => {
  // The limits have their own tests; eight stacks share this one "account" here.
  // Short songs keep eight ads at once quick; song fitting has its own test.
  real = await startSandbox({ port: 0, apiKey: "real-key", speed: 100, sunoGenerateLimitPer10s: 0, creatomateAccountLimitPer10s: 0, sunoTrackSeconds: [8, 8], renderMaxSeconds: 2 });
});
afterAll(() => real?.close());

function envFor(realOnes: Provider[]): Record<string, string> {
  const env: Record<string, string> = { SANDBOX: "auto", ALLOW_PRIVATE_URLS: "true" };
  if (realOnes.includes("openai")) Object.assign(env, { OPENAI_API_KEY: "real-key", OPENAI_BASE_URL: `${real.url}/openai/v1` });
  if (realOnes.includes("suno")) Object.assign(env, { SUNO_API_KEY: "real-key", SUNO_BASE_URL: `${real.url}/suno` });
  if (realOnes.includes("creatomate")) Object.assign(env, { CREATOMATE_API_KEY: "real-key", CREATOMATE_BASE_URL: `${real.url}/creatomate` });
  return env;
}

const used = (s: Sandbox, p: Provider) => {
  const st = s.stats();
  return p === "openai" ? st.openai.completions : p === "suno" ? st.suno.tasks : st.creatomate.renders;
};

async function adWith(realOnes: Provider[]): Promise<{ realOnes: Provider[]; stack: Stack; status: string }> {
  const stack = await startStack({ env: envFor(realOnes), sandbox: { sunoTrackSeconds: [8, 8], renderMaxSeconds: 2 } });
  try {
    for (const p of PROVIDERS) expect(stack.api.config[p].mode, p).toBe(realOnes.includes(p) ? "real" : "sandbox");
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 1, storeName: `Mix ${realOnes.join("+") || "none"}` });
    const watch = await watchEvents(stack, rowId);
    const res = await stack.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { id } }`, { p: projectId }, user.token);
    expect(res.errors).toBeUndefined();
    const final = await watch.until((e) => e.kind === "VIDEO" && isFinal(e));
    await watch.stop();
    return { realOnes, stack, status: final.status };
  } catch (err) {
    await stack.close();
    throw err;
  }
}

describe("per-provider mode", () => {
  it("each of the 8 mixes of real and sandboxed providers completes an ad, each provider answered by the right server", async () => {
    const mixes = Array.from({ length: 8 }, (_, mask) => PROVIDERS.filter((_, i) => mask & (1 << i)));
    const results = await Promise.allSettled(mixes.map(adWith));
    try {
      for (const r of results) {
        if (r.status === "rejected") throw r.reason;
        const { realOnes, stack, status } = r.value;
        expect(status, `mix ${realOnes.join("+")}`).toBe("COMPLETED");
        for (const p of PROVIDERS) {
          // Sandboxed providers were served by the stack's own sandbox; real ones never were.
          expect(used(stack.sandbox, p) > 0, `${p} in mix ${realOnes.join("+") || "none"}`).toBe(!realOnes.includes(p));
        }
      }
      for (const p of PROVIDERS) expect(used(real, p), p).toBe(4); // each provider is real in 4 of the 8 mixes
    } finally {
      await Promise.all(results.map((r) => (r.status === "fulfilled" ? r.value.stack.close() : undefined)));
    }
  }, 180_000); // eight stacks at once on a 2-core machine
});
