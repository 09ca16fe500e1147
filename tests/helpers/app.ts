// Starts the real app in-process on an ephemeral port against the run's database, Redis
// prefix and Azurite, and talks to it over real HTTP.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, inject } from "vitest";
import { azuriteConnectionString, loadConfig, type Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startApp, type RunningApp, type Role } from "../../src/app.js";

export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const tag = randomBytes(3).toString("hex");
  return {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    HOST: "127.0.0.1",
    DATABASE_URL: inject("databaseUrl"),
    DB_MIGRATE_ON_START: "false",
    REDIS_URL: inject("redisUrl"),
    // Each app gets its own queues and keys, so test files running in parallel never share jobs.
    REDIS_PREFIX: `${inject("redisPrefix")}_${tag}`,
    AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString("127.0.0.1", inject("azuritePort")),
    AZURE_STORAGE_CONTAINER: `t${tag}`,
    AZURITE_START: "false",
    SANDBOX: "on",
    WORKER_HTTP_PORT: "0",
    // The outage probe's SELECT 1 would show up in tests that count SQL statements.
    OUTAGE_PROBE_MS: "600000",
    // Each app its own secrets (there are no built-in ones); pass the same to share tokens.
    JWT_SECRET: randomBytes(32).toString("base64url"),
    WEBHOOK_SECRET: randomBytes(24).toString("base64url"),
    ...overrides,
  };
}

export interface TestApi {
  url: string;
  app: RunningApp;
  config: Config;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [k: string]: unknown };
}
export interface GqlResponse<T> {
  status: number;
  data: T | null;
  errors?: GqlError[];
}

export async function postGraphql<T>(url: string, body: BodyInit, headers: Record<string, string>): Promise<GqlResponse<T>> {
  const res = await fetch(`${url}/graphql`, { method: "POST", body, headers: { accept: "application/graphql-response+json, application/json", ...headers } });
  const json = (await res.json()) as { data?: T | null; errors?: GqlError[] };
  return { status: res.status, data: json.data ?? null, errors: json.errors ?? undefined };
}

export async function startTestApi(
  opts: { env?: Record<string, string>; role?: Role; port?: number; onQuery?: (sql: string) => void } = {},
): Promise<TestApi> {
  const config = loadConfig(testEnv(opts.env));
  const log = createLogger(config.LOG_LEVEL);
  const app = await startApp({ config, log, role: opts.role ?? "api", port: opts.port ?? 0, onQuery: opts.onQuery });
  const url = app.http!.url;
  return {
    url,
    app,
    config,
    gql: (query, variables = {}, token) =>
      postGraphql(url, JSON.stringify({ query, variables }), {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      }),
    close: () => app.close(),
  };
}

let userCounter = 0;
export async function signUp(api: TestApi, name = "user"): Promise<{ token: string; id: string; email: string }> {
  const email = `${name}-${Date.now()}-${++userCounter}-${randomBytes(2).toString("hex")}@example.com`;
  const res = await api.gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id } } }`,
    { input: { email, password: "correct horse battery", name } },
  );
  if (!res.data) throw new Error(`signUp failed: ${JSON.stringify(res.errors)}`);
  return { token: res.data.signUp.token, id: res.data.signUp.user.id, email };
}

/** For a test file that counts statements: a test API (started before the file's tests, closed
 *  after them) whose SQL statements are collected in `statements` — empty it before what is counted. */
export function useStatementCountingApi(): { readonly api: TestApi; statements: string[] } {
  let api: TestApi | undefined;
  const statements: string[] = [];
  beforeAll(async () => {
    api = await startTestApi({ onQuery: (sql) => statements.push(sql) });
  });
  afterAll(async () => {
    await api?.close();
  });
  return {
    get api() {
      if (!api) throw new Error("the test API starts in beforeAll");
      return api;
    },
    statements,
  };
}

export { freePort } from "../../scripts/run-data.js";
