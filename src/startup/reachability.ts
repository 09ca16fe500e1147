// Real providers work from the internet: Suno calls our callback URL, Creatomate calls our
// webhook and downloads the photos and the song from our storage. A loopback or private address
// (or the Azurite emulator) in any of those makes every real job fail after money was spent, so
// start-up refuses it with a message that says what to set — unless the operator says
// ALLOW_PRIVATE_URLS=true (providers on a private network, or polling only), which is logged.
import ipaddr from "ipaddr.js";
import { BlobServiceClient } from "@azure/storage-blob";
import { ConfigError, type Config } from "../config.js";

/** Why a URL cannot be reached from the internet, or null when it looks public. */
export function privateReason(url: string): string | null {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return "is not a URL";
  }
  if (host === "localhost" || host.endsWith(".localhost")) return "is loopback";
  if (host.endsWith(".local") || host.endsWith(".internal") || !host.includes(".") && !host.includes(":")) return "is a local host name";
  if (!ipaddr.isValid(host)) return null;
  let addr = ipaddr.parse(host);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const range = addr.range();
  if (range === "loopback") return "is loopback";
  if (range === "unspecified") return "is not a routable address";
  if (range === "private" || range === "uniqueLocal" || range === "linkLocal" || range === "carrierGradeNat") return "is a private address";
  return null;
}

/** Whether `provider`'s webhooks can reach PUBLIC_URL (so polling is only a safety net). */
export function webhooksReach(config: Pick<Config, "suno" | "creatomate" | "publicUrl" | "ALLOW_PRIVATE_URLS">, provider: "suno" | "creatomate"): boolean {
  return config[provider].mode === "sandbox" || config.ALLOW_PRIVATE_URLS || privateReason(config.publicUrl) === null;
}

/** The blob endpoint storage hands out, and whether it is the Azurite emulator. */
export function storageEndpoint(config: Pick<Config, "storageConnectionString">): { url: string; azurite: boolean } {
  const client = BlobServiceClient.fromConnectionString(config.storageConnectionString);
  return { url: client.url, azurite: client.accountName === "devstoreaccount1" };
}

/** Every problem that would make a real provider fail to reach us, as actionable sentences. */
export function reachabilityProblems(config: Config): string[] {
  const problems: string[] = [];
  const calledBack = (["suno", "creatomate"] as const).filter((p) => config[p].mode === "real");
  if (calledBack.length > 0) {
    const why = privateReason(config.publicUrl);
    if (why) {
      problems.push(
        `PUBLIC_URL (${config.publicUrl}) ${why}${config.PUBLIC_URL ? "" : " (it is not set)"}: ${calledBack.join(" and ")} could never call back. ` +
          "Set PUBLIC_URL to the https address where this API is reachable from the internet.",
      );
    }
  }
  if (config.creatomate.mode === "real") {
    const storage = storageEndpoint(config);
    if (storage.azurite) {
      problems.push(
        "Storage is the local Azurite emulator: Creatomate could not download the photos and the song. " +
          "Set AZURE_STORAGE_CONNECTION_STRING to a real Azure Storage account.",
      );
    } else {
      const why = privateReason(storage.url);
      if (why) {
        problems.push(
          `The storage endpoint (${storage.url}) ${why}: Creatomate could not download the photos and the song. ` +
            "Use a storage account reachable from the internet in AZURE_STORAGE_CONNECTION_STRING.",
        );
      }
    }
  }
  return problems;
}

/** Throws ConfigError listing every reachability problem, or logs them when ALLOW_PRIVATE_URLS is set. */
export function assertReachable(config: Config, log: { warn: (obj: object, msg: string) => void }): void {
  const problems = reachabilityProblems(config);
  if (problems.length === 0) return;
  if (config.ALLOW_PRIVATE_URLS) {
    log.warn({ problems }, "ALLOW_PRIVATE_URLS=true: starting although real providers may not reach these addresses");
    return;
  }
  throw new ConfigError(
    ["castad will not start with real providers that cannot reach it:", ...problems.map((p) => `  - ${p}`),
      "  (Providers on your private network, or polling only? Set ALLOW_PRIVATE_URLS=true.)"].join("\n"),
  );
}
