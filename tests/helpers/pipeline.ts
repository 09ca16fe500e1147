// A full local stack for pipeline tests: the provider sandbox, and the app (API + workers,
// or separate processes) wired to it, plus helpers that wait for generation events.
import { dropDatabases } from "../../scripts/run-data.js";
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { ensureDatabase, migrate, defaultMigrationsDir } from "../../src/db/migrate.js";
import { startSandbox, type Sandbox, type SandboxOptions } from "../../sandbox/server.js";
import type { GenerationEventMessage } from "../../src/events/message.js";
import { freePort, signUp, startTestApi, type TestApi } from "./app.js";
import type { Role } from "../../src/app.js";

export interface Stack {
  sandbox: Sandbox;
  api: TestApi;
  /** Environment that points any other process (worker, second API) at the same stack. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export function pipelineEnv(sandbox: Sandbox, port: number, extra: Record<string, string> = {}): Record<string, string> {
  const url = new URL(sandbox.url);
  return {
    SANDBOX: "on",
    SANDBOX_HOST: url.hostname,
    SANDBOX_PORT: url.port,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    POLL_INITIAL_MS: "200",
    POLL_MAX_MS: "1000",
    POLL_WITH_WEBHOOKS_MS: "1000",
    JOB_BACKOFF_MS: "100",
    JOB_ATTEMPTS: "3",
    PROVIDER_MAX_RETRIES: "0",
    PROVIDER_TIMEOUT_MS: "5000",
    RECONCILE_INTERVAL_MS: "600000",
    ...extra,
  };
}

/** Suno documents its errors as HTTP 200 with the code in the body (the sandbox's default);
 *  some hosts answer with the code as the HTTP status. vitest.config.ts runs the Suno error cases
 *  a second time in that form (project "pipeline, Suno errors as HTTP statuses"). */
const SUNO_ERROR_HTTP = process.env["CASTAD_TEST_SUNO_ERROR_HTTP"] === "mirror" ? "mirror" : "200";

/**
 * Sandbox + app on a database of its own (created and migrated here, dropped on close).
 * Every stack's workers run the reconciler, which re-enqueues *any* active row of its database
 * whose job it cannot see in its own queues; stacks of parallel test files have separate Redis
 * prefixes, so on a shared database one stack could adopt (and break) another's parked jobs.
 */
export async function startStack(
  opts: { sandbox?: SandboxOptions; env?: Record<string, string>; role?: Role; onQuery?: (sql: string) => void } = {},
): Promise<Stack> {
  const url = new URL(inject("databaseUrl"));
  const dbName = `${url.pathname.slice(1)}_${randomBytes(3).toString("hex")}`;
  url.pathname = `/${dbName}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString(), defaultMigrationsDir());
  let sandbox: Sandbox | undefined;
  let api: TestApi | undefined;
  try {
    // Songs of 20-30 s keep the suite quick (copying both takes of a 4-minute song costs
    // seconds); tests/pipeline/jingle.test.ts runs with Suno-length songs.
    sandbox = await startSandbox({ port: 0, speed: 100, sunoGenerateLimitPer10s: 0, sunoTrackSeconds: [20, 30], sunoErrorHttpStatus: SUNO_ERROR_HTTP, ...opts.sandbox });
    const port = await freePort();
    const env = pipelineEnv(sandbox, port, { ...opts.env, DATABASE_URL: url.toString() });
    api = await startTestApi({ env, role: opts.role ?? "all", port, onQuery: opts.onQuery });
    // Everything else must share the API's Redis prefix and storage container.
    const shared = {
      ...env,
      REDIS_PREFIX: api.config.REDIS_PREFIX,
      AZURE_STORAGE_CONTAINER: api.config.AZURE_STORAGE_CONTAINER,
      // Workers sign the callback URLs the API verifies: one webhook secret (and JWT secret).
      JWT_SECRET: api.config.jwtSecret,
      WEBHOOK_SECRET: api.config.webhookSecret,
    };
    const [s, a] = [sandbox, api];
    return {
      sandbox: s,
      api: a,
      env: shared,
      close: async () => {
        try {
          await a.close();
          await s.close();
        } finally {
          await dropDatabase(dbName);
        }
      },
    };
  } catch (err) {
    await api?.close();
    await sandbox?.close();
    await dropDatabase(dbName);
    throw err;
  }
}

const dropDatabase = (name: string) => dropDatabases(inject("adminDatabaseUrl"), [name]);

/** Signs up, creates a project and stores `photos` sample photos from the sandbox in it. */
export async function projectWithPhotos(stack: Stack, opts: { photos?: number; storeName?: string; language?: string } = {}) {
  const user = await signUp(stack.api);
  const res = await stack.api.gql<{ createProject: { id: string } }>(
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { storeName: opts.storeName ?? "Cafe Sol", address: "1 Main St", description: "Coffee and cake", language: opts.language ?? "EN" } },
    user.token,
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  const projectId = res.data.createProject.id;
  const form = new FormData();
  const count = opts.photos ?? 2;
  const map: Record<string, string[]> = {};
  for (let i = 0; i < count; i++) {
    const png = await (await fetch(`${stack.sandbox.url}/media/samples/photo-${i + 1}.png?w=360&h=200`)).arrayBuffer();
    map[String(i)] = [`variables.files.${i}`];
    form.append(String(i), new Blob([png], { type: "image/png" }), `photo-${i + 1}.png`);
  }
  if (count > 0) {
    form.set(
      "operations",
      JSON.stringify({
        query: `mutation($p: ID!, $files: [File!]!) { uploadProjectImages(projectId: $p, files: $files) { id } }`,
        variables: { p: projectId, files: Array(count).fill(null) },
      }),
    );
    form.set("map", JSON.stringify(map));
    // FormData requires operations and map first: rebuild in the right order.
    const ordered = new FormData();
    ordered.append("operations", form.get("operations")!);
    ordered.append("map", form.get("map")!);
    for (let i = 0; i < count; i++) ordered.append(String(i), form.get(String(i))!);
    const up = await fetch(`${stack.api.url}/graphql`, {
      method: "POST",
      body: ordered,
      headers: { authorization: `Bearer ${user.token}`, "graphql-require-preflight": "1" },
    });
    const body = (await up.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  }
  const rowId = Buffer.from(projectId, "base64").toString().split(":")[1]!;
  return { user, projectId, rowId };
}

/** Collects the project's events from the event bus (the same stream subscriptions use). */
export async function watchEvents(stack: Stack, projectRowId: string) {
  const events: GenerationEventMessage[] = [];
  const waiters: { pred: (e: GenerationEventMessage) => boolean; resolve: (e: GenerationEventMessage) => void }[] = [];
  const listener = await stack.api.app.services.events.listen(projectRowId, 100_000);
  void (async () => {
    for await (const next of listener) {
      if (typeof next === "symbol") continue; // OVERFLOW, CLOSED, INTERRUPTED
      events.push(next);
      for (const w of [...waiters]) {
        if (w.pred(next)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(next);
        }
      }
    }
  })();
  return {
    events,
    /** Resolves with the first event (already seen or future) matching `pred`. */
    until(pred: (e: GenerationEventMessage) => boolean): Promise<GenerationEventMessage> {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    stop: () => listener.close(),
  };
}

export const isFinal = (e: GenerationEventMessage) => ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status);

export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} -> ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

