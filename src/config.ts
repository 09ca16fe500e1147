// The one place the environment is read. Parsed once per process (loadConfig) and passed
// down explicitly, so tests can build a config with overrides instead of mutating globals.
import { createHmac } from "node:crypto";
import { z } from "zod";
import { ephemeralSecrets, loadOrCreateDevSecrets } from "./dev-secrets.js";

const AZURITE_ACCOUNT = "devstoreaccount1";
// Azurite's published well-known development key: not a secret.
const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export function azuriteConnectionString(host: string, port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://${host}:${port}/${AZURITE_ACCOUNT};`;
}

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? def : ["true", "1", "yes"].includes(v)));


const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Default: 127.0.0.1 in development and tests (nobody else on the network can reach a
     *  developer's instance), 0.0.0.0 in production. */
    HOST: optionalString,
    PORT: int(4000),
    PUBLIC_URL: optionalString,
    /** Comma-separated origins allowed to call the API from a browser; "*" = any. */
    CORS_ORIGINS: z.string().default("*"),

    DATABASE_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/castad"),
    DB_POOL_API: int(10),
    DB_POOL_WORKER: int(5),
    DB_MIGRATE_ON_START: bool(true),
    /** Hot hand-written statements (the status write) as named prepared statements, planned
     *  once per connection (src/db/client.ts). false behind a PgBouncer in transaction mode
     *  that does not keep prepared statements (before 1.21, or max_prepared_statements = 0). */
    DB_PREPARED_STATEMENTS: bool(true),

    REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
    /** A Redis Cluster instead of REDIS_URL: start-up nodes as host:port,host:port. */
    REDIS_CLUSTER_NODES: optionalString,
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]+$/).default("castad"),

    JWT_SECRET: optionalString,
    /** Access token lifetime; clients renew it with the refreshToken mutation. */
    JWT_TTL_SECONDS: int(15 * 60),
    /** Refresh token (session) lifetime without use; every refresh starts it again. */
    REFRESH_TOKEN_TTL_SECONDS: int(30 * 24 * 3600),
    /** Wrong passwords in 15 minutes (src/auth/sign-in-limits.ts): per account and client
     *  IP (then that client is refused for that account), per client IP across accounts, and
     *  per account from anywhere before each attempt is slowed down (never refused). */
    SIGNIN_FAILURES_PER_ACCOUNT_IP: int(10),
    SIGNIN_FAILURES_PER_IP: int(50),
    SIGNIN_SLOWDOWN_AFTER: int(20),
    SIGNUPS_PER_IP_PER_HOUR: int(20),
    /** Take the client IP from X-Forwarded-For (only behind a proxy you run). */
    TRUST_PROXY: bool(false),
    /** Password hashes computed at once per process; more wait (bounded) instead of starving
     *  other requests of the CPU and the libuv thread pool. */
    PASSWORD_HASH_CONCURRENCY: int(1),

    AZURE_STORAGE_CONNECTION_STRING: optionalString,
    AZURE_STORAGE_CONTAINER: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/).default("castad"),
    STORAGE_URL_MODE: z.enum(["sas", "public"]).default("sas"),
    STORAGE_SAS_TTL_SECONDS: int(3600),
    AZURITE_START: bool(true),
    AZURITE_HOST: z.string().default("127.0.0.1"),
    AZURITE_PORT: int(10000),
    AZURITE_LOCATION: z.string().default(".data/azurite"),
    AZURITE_IN_MEMORY: bool(false),

    /** Operation limits (src/http/operation-limits.ts): checked before anything runs. */
    QUERY_MAX_DEPTH: int(10),
    QUERY_MAX_COST: int(20_000),
    QUERY_MAX_ALIASES: int(30),
    QUERY_MAX_TOKENS: int(2_000),
    QUERY_MAX_DIRECTIVES: int(20),
    /** An operation still running after this is aborted (as is one whose client went away). */
    QUERY_TIMEOUT_MS: int(15_000),
    /** JSON (non-multipart) request bodies; uploads have their own limits below. */
    JSON_MAX_BODY_BYTES: int(64 * 1024),
    /** GraphiQL on GET /graphql and schema introspection; default on except in production. */
    GRAPHIQL: z.enum(["true", "false", "1", "0", "yes", "no"]).optional(),
    INTROSPECTION: z.enum(["true", "false", "1", "0", "yes", "no"]).optional(),
    /** A persisted-operations manifest: when set, only the documents it lists are executed. */
    TRUSTED_DOCUMENTS_FILE: optionalString,

    UPLOAD_MAX_FILE_BYTES: int(10 * 1024 * 1024),
    UPLOAD_MAX_FILES: int(10),
    /** Photos (src/photos/normalize.ts): shortest side accepted, most pixels a file may
     *  declare (decompression bombs), longest side stored (larger ones are scaled down). */
    PHOTO_MIN_SIDE: int(200),
    PHOTO_MAX_PIXELS: int(50_000_000),
    PHOTO_MAX_SIDE: int(2560),
    /** Multipart uploads one user may have in flight at once (per API process). */
    UPLOAD_MAX_CONCURRENT_PER_USER: int(2),

    SANDBOX: z.enum(["auto", "on", "off"]).default("auto"),
    SANDBOX_HOST: z.string().default("127.0.0.1"),
    SANDBOX_PORT: int(4010),
    SANDBOX_SPEED: z.coerce.number().positive().default(1),
    SANDBOX_API_KEY: z.string().default("sandbox-key"),
    SANDBOX_LATENCY_MS: int(0),
    SANDBOX_ERROR_RATE: z.coerce.number().min(0).max(1).default(0),
    SANDBOX_QUIET: bool(false),
    /** Suno's documented error transport is HTTP 200 + `code` in the body; `mirror` sends HTTP status = code. */
    SANDBOX_SUNO_ERROR_HTTP: z.enum(["200", "mirror"]).default("200"),
    /** Length range of sandbox songs in seconds, "MIN-MAX" (real Suno songs run 1-4 minutes). */
    SANDBOX_SUNO_TRACK_SECONDS: z.string().regex(/^\d+(\.\d+)?-\d+(\.\d+)?$/).default("60-240"),

    OPENAI_API_KEY: optionalString,
    /** Any OpenAI-compatible server; set alone (no key) for keyless servers such as Ollama or vLLM. */
    OPENAI_BASE_URL: optionalString,
    OPENAI_MODEL: z.string().default("gpt-4o-mini"),
    /** Classic Azure OpenAI (the SDK's AzureOpenAI): endpoint + api-key + api-version; the model is the deployment name. */
    AZURE_OPENAI_ENDPOINT: optionalString,
    AZURE_OPENAI_API_KEY: optionalString,
    OPENAI_API_VERSION: z.string().default("2024-10-21"),
    OPENAI_TIMEOUT_MS: z.coerce.number().int().positive().optional(),

    SUNO_API_KEY: optionalString,
    SUNO_BASE_URL: z.string().default("https://api.sunoapi.org"),
    SUNO_MODEL: z.enum(["V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"]).default("V4_5"),
    SUNO_RATE_LIMIT_PER_10S: int(18),
    /** Which host's error codes: sunoapi.org (429 = credits, 430 = rate) or kie.ai (402 = credits, 429 = rate). auto = by SUNO_BASE_URL. */
    SUNO_ERROR_CODES: z.enum(["auto", "sunoapi", "kie"]).default("auto"),
    SUNO_TIMEOUT_MS: z.coerce.number().int().positive().optional(),

    CREATOMATE_API_KEY: optionalString,
    CREATOMATE_BASE_URL: z.string().default("https://api.creatomate.com"),
    CREATOMATE_TEMPLATE_ID: optionalString,
    /** Without CREATOMATE_TEMPLATE_ID, the default template is the newest one carrying this tag. */
    CREATOMATE_TEMPLATE_TAG: z.string().default("castad"),
    /** Documented: 30 requests per 10 s for the whole account, every request (polls too). Keep a margin. */
    CREATOMATE_RATE_LIMIT_PER_10S: int(25),
    CREATOMATE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
    TEMPLATE_CACHE_TTL_SECONDS: int(300),

    PROVIDER_CONNECT_TIMEOUT_MS: int(5_000),
    PROVIDER_TIMEOUT_MS: int(30_000),
    PROVIDER_MAX_RETRIES: int(2),
    DOWNLOAD_TIMEOUT_MS: int(300_000),

    WEBHOOK_SECRET: optionalString,
    /** Real providers must download our media and call us back: loopback/private URLs are refused at
     *  start unless this is set (providers on a private network, or polling only). */
    ALLOW_PRIVATE_URLS: bool(false),
    /** Log the doctor's checks (one cheap call per real provider) after start. */
    STARTUP_CHECKS: bool(true),
    /** Where development keeps the random JWT/webhook secrets it creates on first start. */
    DEV_SECRETS_FILE: z.string().default(".data/secrets.json"),

    WORKER_CONCURRENCY_LYRIC: int(5),
    WORKER_CONCURRENCY_SONG: int(5),
    WORKER_CONCURRENCY_VIDEO: int(5),
    JOB_ATTEMPTS: int(5),
    JOB_BACKOFF_MS: int(2_000),
    POLL_INITIAL_MS: int(2_000),
    POLL_MAX_MS: int(30_000),
    /** With webhooks that can reach us, polls are a safety net: at least this far apart. */
    POLL_WITH_WEBHOOKS_MS: int(30_000),
    GENERATION_TIMEOUT_SECONDS: int(1_800),
    RECONCILE_INTERVAL_MS: int(15_000),
    WORKER_LOCK_MS: int(15_000),
    /** How long a run waits for the callback of a submission whose answer was lost before it
     *  submits again (src/jobs/submissions.ts). */
    SUBMIT_GRACE_MS: int(180_000),
    /** Photo blobs without a row older than the grace are deleted every interval (workers). */
    ORPHAN_SWEEP_INTERVAL_MS: int(3_600_000),
    ORPHAN_BLOB_GRACE_MS: int(3_600_000),

    /** Billable work per user (src/generations/allowance.ts); 0 = unlimited. */
    AD_QUOTA_PER_30_DAYS: int(50),
    MAX_ACTIVE_GENERATIONS_PER_USER: int(9),

    /** The queue dashboard (/admin/queues, admins only) may retry, promote and remove jobs. */
    ADMIN_QUEUES_WRITE: bool(false),
    /** Operator alerts (Slack-compatible JSON, HMAC-signed): generation failures, provider
     *  error rates, queue backlogs. Unset = no alerts. */
    ALERT_WEBHOOK_URL: optionalString,
    /** Key of the alert signature; defaults to one derived from WEBHOOK_SECRET. */
    ALERT_WEBHOOK_SECRET: optionalString,
    ALERT_GROUP_SECONDS: int(60),
    ALERT_REPEAT_SECONDS: int(600),
    ALERT_CHECK_SECONDS: int(60),
    ALERT_PROVIDER_ERROR_RATE: z.coerce.number().min(0).max(1).default(0.5),
    ALERT_PROVIDER_MIN_CALLS: int(10),
    ALERT_QUEUE_BACKLOG: int(500),
    /** How often PostgreSQL and Redis are probed, to log an outage (and its end) once. */
    OUTAGE_PROBE_MS: int(2_000),
    /** The worker's own HTTP server (/health, /ready, /metrics); 0 = any free port. */
    WORKER_HTTP_PORT: int(4001),
    /** SIGTERM to exit: draining requests, subscriptions and running steps must fit in it. */
    SHUTDOWN_TIMEOUT_MS: int(25_000),
    /** After SIGTERM the API keeps accepting requests this long (while /ready is already 503),
     *  so a load balancer notices before connections are refused. Default 5 s in production. */
    SHUTDOWN_READY_DELAY_MS: z.coerce.number().int().nonnegative().optional(),

    SUBSCRIPTION_KEEPALIVE_MS: int(12_000),
    SUBSCRIPTION_MAX_BUFFER: int(1_000),
    /** Bytes a WebSocket may hold unsent in this process before its subscriptions wait for the
     *  client (and a client that does not read catches up from the database later). */
    WS_MAX_BUFFERED_BYTES: int(256 * 1024),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production") {
      if (!env.JWT_SECRET || env.JWT_SECRET.length < 32) {
        ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: "must be set to at least 32 characters in production" });
      }
      if (!env.WEBHOOK_SECRET || env.WEBHOOK_SECRET.length < 16) {
        ctx.addIssue({ code: "custom", path: ["WEBHOOK_SECRET"], message: "must be set to at least 16 characters in production" });
      }
    }
  });

export type Env = z.infer<typeof schema>;

export type ProviderMode = "real" | "sandbox";

export interface ProviderEndpoint {
  apiKey: string;
  baseUrl: string;
  /** Sandboxed providers talk to the local sandbox; real ones to the configured service. */
  mode: ProviderMode;
  /** Deadline of one request attempt. */
  timeoutMs: number;
}

export interface Config extends Omit<Env, "HOST"> {
  HOST: string;
  publicUrl: string;
  jwtSecret: string;
  webhookSecret: string;
  storageConnectionString: string;
  /** Whether npm start / the worker must run Azurite because storage points at it. */
  usesAzurite: boolean;
  /** Whether any provider is sandboxed (so npm start runs the sandbox). */
  useSandbox: boolean;
  /** Whether any provider is real (so start-up checks apply). */
  anyRealProvider: boolean;
  sandboxUrl: string;
  sandboxSunoTrackSeconds: readonly [number, number];
  /** `azure`: classic Azure OpenAI (api-key header + api-version); `openai`: any OpenAI-compatible server. */
  openai: ProviderEndpoint & { model: string; flavor: "openai" | "azure"; apiVersion: string };
  suno: ProviderEndpoint & { model: Env["SUNO_MODEL"]; errorCodes: "sunoapi" | "kie" };
  creatomate: ProviderEndpoint & { templateId: string | undefined; templateTag: string };
  shutdownReadyDelayMs: number;
  graphiql: boolean;
  introspection: boolean;
  alertSecret: string;
}

export class ConfigError extends Error {}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
};

/** With only PORT changed, a second local instance must not collide with the first: the
 *  sandbox, Azurite and worker probe ports follow PORT (4000 gives today's 4010, 10000, 4001)
 *  unless set themselves. */
function portDefaults(source: NodeJS.ProcessEnv): Record<string, string> {
  const port = Number(source.PORT ?? 4000);
  if (!Number.isInteger(port) || port <= 0 || port > 65535 - 6000) return {};
  return { SANDBOX_PORT: String(port + 10), AZURITE_PORT: String(port + 6000), WORKER_HTTP_PORT: String(port + 1) };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse({ ...portDefaults(source), ...source });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  // Each provider on its own: real when its key (for OpenAI-compatible servers, its base URL)
  // is set, sandboxed otherwise. SANDBOX=on / off forces every provider one way.
  const realWhen = (configured: boolean): ProviderMode =>
    env.SANDBOX === "on" ? "sandbox" : env.SANDBOX === "off" || configured ? "real" : "sandbox";
  const azure = Boolean(env.AZURE_OPENAI_ENDPOINT);
  const modes = {
    openai: realWhen(Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL || azure)),
    suno: realWhen(Boolean(env.SUNO_API_KEY)),
    creatomate: realWhen(Boolean(env.CREATOMATE_API_KEY)),
  };
  const sandboxUrl = `http://${env.SANDBOX_HOST}:${env.SANDBOX_PORT}`;
  const storageConnectionString =
    env.AZURE_STORAGE_CONNECTION_STRING ?? azuriteConnectionString(env.AZURITE_HOST, env.AZURITE_PORT);
  const endpoint = (mode: ProviderMode, key: string | undefined, realUrl: string, sandboxPath: string, timeout: number | undefined) => ({
    mode,
    apiKey: mode === "sandbox" ? env.SANDBOX_API_KEY : (key ?? ""),
    baseUrl: mode === "sandbox" ? `${sandboxUrl}${sandboxPath}` : realUrl,
    timeoutMs: timeout ?? env.PROVIDER_TIMEOUT_MS,
  });
  const openaiMode = modes.openai;
  const useAzure = openaiMode === "real" && azure;
  // No constant secret anywhere: development creates random ones once (.data/), a process
  // in tests that was given none gets its own, production requires them (checked above).
  const generated =
    env.JWT_SECRET && env.WEBHOOK_SECRET
      ? null
      : env.NODE_ENV === "development"
        ? loadOrCreateDevSecrets(env.DEV_SECRETS_FILE)
        : ephemeralSecrets();
  return {
    ...env,
    HOST: env.HOST ?? (env.NODE_ENV === "production" ? "0.0.0.0" : "127.0.0.1"),
    publicUrl: (env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/$/, ""),
    jwtSecret: env.JWT_SECRET ?? generated!.jwtSecret,
    webhookSecret: env.WEBHOOK_SECRET ?? generated!.webhookSecret,
    storageConnectionString,
    usesAzurite: env.AZURITE_START && !env.AZURE_STORAGE_CONNECTION_STRING,
    alertSecret: env.ALERT_WEBHOOK_SECRET ?? createHmac("sha256", env.WEBHOOK_SECRET ?? generated!.webhookSecret).update("castad-alerts").digest("hex"),
    graphiql: env.GRAPHIQL ? ["true", "1", "yes"].includes(env.GRAPHIQL) : env.NODE_ENV !== "production",
    introspection: env.INTROSPECTION ? ["true", "1", "yes"].includes(env.INTROSPECTION) : env.NODE_ENV !== "production",
    shutdownReadyDelayMs: env.SHUTDOWN_READY_DELAY_MS ?? (env.NODE_ENV === "production" ? 5_000 : 0),
    useSandbox: Object.values(modes).includes("sandbox"),
    anyRealProvider: Object.values(modes).includes("real"),
    sandboxUrl,
    sandboxSunoTrackSeconds: env.SANDBOX_SUNO_TRACK_SECONDS.split("-").map(Number) as [number, number],
    openai: {
      ...endpoint(
        openaiMode,
        useAzure ? env.AZURE_OPENAI_API_KEY : env.OPENAI_API_KEY,
        useAzure ? env.AZURE_OPENAI_ENDPOINT! : (env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"),
        "/openai/v1",
        env.OPENAI_TIMEOUT_MS,
      ),
      model: env.OPENAI_MODEL,
      flavor: useAzure ? "azure" : "openai",
      apiVersion: env.OPENAI_API_VERSION,
    },
    suno: {
      ...endpoint(modes.suno, env.SUNO_API_KEY, env.SUNO_BASE_URL, "/suno", env.SUNO_TIMEOUT_MS),
      model: env.SUNO_MODEL,
      // The sandbox speaks sunoapi.org's codes unless told otherwise.
      errorCodes:
        env.SUNO_ERROR_CODES !== "auto" ? env.SUNO_ERROR_CODES : modes.suno === "real" && /(^|\.)kie\.ai$/i.test(hostOf(env.SUNO_BASE_URL)) ? "kie" : "sunoapi",
    },
    creatomate: {
      ...endpoint(modes.creatomate, env.CREATOMATE_API_KEY, env.CREATOMATE_BASE_URL, "/creatomate", env.CREATOMATE_TIMEOUT_MS),
      templateId: env.CREATOMATE_TEMPLATE_ID,
      templateTag: env.CREATOMATE_TEMPLATE_TAG,
    },
  };
}
