// The one place the environment is read. Parsed once per process (loadConfig) and passed
// down explicitly, so tests can build a config with overrides instead of mutating globals.
import { z } from "zod";

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

const DEV_JWT_SECRET = "castad-development-secret-do-not-use-in-production";

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    HOST: z.string().default("0.0.0.0"),
    PORT: int(4000),
    PUBLIC_URL: optionalString,
    /** Comma-separated origins allowed to call the API from a browser; "*" = any. */
    CORS_ORIGINS: z.string().default("*"),

    DATABASE_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/castad"),
    DB_POOL_API: int(10),
    DB_POOL_WORKER: int(5),
    DB_MIGRATE_ON_START: bool(true),

    REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]+$/).default("castad"),

    JWT_SECRET: optionalString,
    JWT_TTL_SECONDS: int(7 * 24 * 3600),
    SIGNIN_ATTEMPTS_PER_15MIN: int(10),

    AZURE_STORAGE_CONNECTION_STRING: optionalString,
    AZURE_STORAGE_CONTAINER: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/).default("castad"),
    STORAGE_URL_MODE: z.enum(["sas", "public"]).default("sas"),
    STORAGE_SAS_TTL_SECONDS: int(3600),
    AZURITE_START: bool(true),
    AZURITE_HOST: z.string().default("127.0.0.1"),
    AZURITE_PORT: int(10000),
    AZURITE_LOCATION: z.string().default(".data/azurite"),
    AZURITE_IN_MEMORY: bool(false),

    QUERY_MAX_DEPTH: int(10),

    UPLOAD_MAX_FILE_BYTES: int(10 * 1024 * 1024),
    UPLOAD_MAX_FILES: int(10),

    SANDBOX: z.enum(["auto", "on", "off"]).default("auto"),
    SANDBOX_HOST: z.string().default("127.0.0.1"),
    SANDBOX_PORT: int(4010),
    SANDBOX_SPEED: z.coerce.number().positive().default(1),
    SANDBOX_API_KEY: z.string().default("sandbox-key"),
    SANDBOX_LATENCY_MS: int(0),
    SANDBOX_ERROR_RATE: z.coerce.number().min(0).max(1).default(0),
    SANDBOX_QUIET: bool(false),

    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalString,
    OPENAI_MODEL: z.string().default("gpt-4o-mini"),

    SUNO_API_KEY: optionalString,
    SUNO_BASE_URL: z.string().default("https://api.sunoapi.org"),
    SUNO_MODEL: z.enum(["V4", "V4_5", "V4_5PLUS", "V4_5ALL", "V5", "V5_5"]).default("V4_5"),
    SUNO_RATE_LIMIT_PER_10S: int(18),

    CREATOMATE_API_KEY: optionalString,
    CREATOMATE_BASE_URL: z.string().default("https://api.creatomate.com"),
    CREATOMATE_TEMPLATE_ID: optionalString,
    CREATOMATE_RATE_LIMIT_PER_10S: int(20),
    TEMPLATE_CACHE_TTL_SECONDS: int(300),

    PROVIDER_CONNECT_TIMEOUT_MS: int(5_000),
    PROVIDER_TIMEOUT_MS: int(30_000),
    PROVIDER_MAX_RETRIES: int(2),
    DOWNLOAD_TIMEOUT_MS: int(300_000),

    WEBHOOK_SECRET: optionalString,

    WORKER_CONCURRENCY_LYRIC: int(5),
    WORKER_CONCURRENCY_SONG: int(5),
    WORKER_CONCURRENCY_VIDEO: int(5),
    JOB_ATTEMPTS: int(5),
    JOB_BACKOFF_MS: int(2_000),
    POLL_INITIAL_MS: int(2_000),
    POLL_MAX_MS: int(30_000),
    GENERATION_TIMEOUT_SECONDS: int(1_800),
    RECONCILE_INTERVAL_MS: int(15_000),
    WORKER_LOCK_MS: int(30_000),

    SUBSCRIPTION_KEEPALIVE_MS: int(12_000),
    SUBSCRIPTION_MAX_BUFFER: int(1_000),
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

export interface ProviderEndpoint {
  apiKey: string;
  baseUrl: string;
}

export interface Config extends Env {
  publicUrl: string;
  jwtSecret: string;
  webhookSecret: string;
  storageConnectionString: string;
  /** Whether npm start / the worker must run Azurite because storage points at it. */
  usesAzurite: boolean;
  /** Whether the provider sandbox is started and the clients pointed at it. */
  useSandbox: boolean;
  sandboxUrl: string;
  openai: ProviderEndpoint & { model: string };
  suno: ProviderEndpoint & { model: Env["SUNO_MODEL"] };
  creatomate: ProviderEndpoint & { templateId: string | undefined };
}

export class ConfigError extends Error {}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  const hasRealKeys = Boolean(env.OPENAI_API_KEY || env.SUNO_API_KEY || env.CREATOMATE_API_KEY);
  const useSandbox = env.SANDBOX === "on" || (env.SANDBOX === "auto" && !hasRealKeys);
  const sandboxUrl = `http://${env.SANDBOX_HOST}:${env.SANDBOX_PORT}`;
  const storageConnectionString =
    env.AZURE_STORAGE_CONNECTION_STRING ?? azuriteConnectionString(env.AZURITE_HOST, env.AZURITE_PORT);
  const key = (real: string | undefined) => (useSandbox ? env.SANDBOX_API_KEY : (real ?? ""));
  return {
    ...env,
    publicUrl: (env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`).replace(/\/$/, ""),
    jwtSecret: env.JWT_SECRET ?? DEV_JWT_SECRET,
    webhookSecret: env.WEBHOOK_SECRET ?? `${DEV_JWT_SECRET}-webhooks`,
    storageConnectionString,
    usesAzurite: env.AZURITE_START && !env.AZURE_STORAGE_CONNECTION_STRING,
    useSandbox,
    sandboxUrl,
    openai: {
      apiKey: key(env.OPENAI_API_KEY),
      baseUrl: useSandbox ? `${sandboxUrl}/openai/v1` : (env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"),
      model: env.OPENAI_MODEL,
    },
    suno: {
      apiKey: key(env.SUNO_API_KEY),
      baseUrl: useSandbox ? `${sandboxUrl}/suno` : env.SUNO_BASE_URL,
      model: env.SUNO_MODEL,
    },
    creatomate: {
      apiKey: key(env.CREATOMATE_API_KEY),
      baseUrl: useSandbox ? `${sandboxUrl}/creatomate` : env.CREATOMATE_BASE_URL,
      templateId: env.CREATOMATE_TEMPLATE_ID,
    },
  };
}
