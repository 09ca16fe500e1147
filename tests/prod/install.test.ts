// The image's steps without Docker: build, `npm pack` (package.json "files" is what the
// Dockerfile ships), `npm ci --omit=dev` into a temporary folder, then the API
// and a worker started from dist/ with NODE_ENV=production run an ad against the provider
// sandbox (started here from the repo) and the run's Azurite. Nothing from devDependencies
// (tsx, the Prisma CLI, azurite, ffmpeg, the sandbox) exists in that folder.
import { dropDatabases } from "../../scripts/run-data.js";
import { productionCommand, productionShellLine } from "../../scripts/production-command.js";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { azuriteConnectionString } from "../../src/config.js";
import { freePort, postGraphql, type GqlResponse } from "../helpers/app.js";
import { pipelineEnv } from "../helpers/pipeline.js";
import { ensureStopped, spawnProcess, type WorkerProcess } from "../helpers/pipeline-tools.js";
import { subscribeWs, wsClient } from "../helpers/subscriptions.js";

const execFileP = promisify(execFile);
/** execFile whose error shows what the command printed (tsc reports on stdout). */
async function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    return await execFileP(cmd, args, opts);
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ProdInstall {
  dir: string;
  remove(): Promise<void>;
}

/** Builds, packs and installs the production package; returns the installed folder. */
export async function installProduction(): Promise<ProdInstall> {
  const tmp = await mkdtemp(join(tmpdir(), "castad-prod-"));
  // A clean environment: `npm test` passes npm_config_* variables that must not leak into npm ci.
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  await run(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, env });
  const { stdout } = await run("npm", ["pack", "--pack-destination", tmp, "--silent"], { cwd: ROOT, env });
  await run("tar", ["-xzf", join(tmp, stdout.trim().split("\n").pop()!), "-C", tmp]);
  const dir = join(tmp, "package");
  await cp(join(ROOT, "package-lock.json"), join(dir, "package-lock.json"));
  await run("npm", ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, env });
  return { dir, remove: () => rm(tmp, { recursive: true, force: true }) };
}

/** name@version (engines.node) of every installed package, nested ones too, whose `engines.node`
 *  does not include this Node.js. */
async function notForThisNode(modules: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const dirs = entry.name.startsWith("@") ? (await readdir(join(modules, entry.name))).map((n) => join(modules, entry.name, n)) : [join(modules, entry.name)];
    for (const pkgDir of dirs) {
      const pkg = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8").catch(() => "{}")) as { name?: string; version?: string; engines?: { node?: string } };
      const range = pkg.engines?.node;
      if (range && !semver.satisfies(process.version, range)) found.push(`${pkg.name}@${pkg.version} (${range})`);
      if (existsSync(join(pkgDir, "node_modules"))) found.push(...(await notForThisNode(join(pkgDir, "node_modules"))));
    }
  }
  return found;
}

let install: ProdInstall;
let sandbox: Sandbox;
let api: WorkerProcess | undefined;
let worker: WorkerProcess | undefined;
let apiUrl = "";
let databaseUrl = "";
let workerUrl = "";
const dbName = `${new URL(inject("databaseUrl")).pathname.slice(1)}_prod_${randomBytes(3).toString("hex")}`;

const gql = <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResponse<T>> =>
  postGraphql<T>(apiUrl, JSON.stringify({ query, variables }), {
    "content-type": "application/json",
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });

beforeAll(async () => {
  install = await installProduction();
  sandbox = await startSandbox({ port: 0, speed: 100, sunoGenerateLimitPer10s: 0 });
  const port = await freePort();
  const workerPort = await freePort();
  const dbUrl = new URL(inject("databaseUrl"));
  dbUrl.pathname = `/${dbName}`;
  databaseUrl = dbUrl.toString();
  const tag = randomBytes(3).toString("hex");
  const env = {
    ...pipelineEnv(sandbox, port),
    NODE_ENV: "production",
    JWT_SECRET: randomBytes(24).toString("hex"),
    WEBHOOK_SECRET: randomBytes(16).toString("hex"),
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: inject("redisUrl"),
    REDIS_PREFIX: `${inject("redisPrefix")}_prod${tag}`,
    AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString("127.0.0.1", inject("azuritePort")),
    AZURE_STORAGE_CONTAINER: `p${tag}`,
    // Off by default in production; on here to show the bundled entry point loads it on first use.
    GRAPHIQL: "true",
  };
  // As the image starts them (its ENTRYPOINT: environment, node flags, entry point).
  const apiCmd = productionCommand(ROOT, "api");
  const workerCmd = productionCommand(ROOT, "worker");
  // The API creates the database and applies the migrations shipped in the package.
  api = await spawnProcess("api", { cwd: install.dir, args: apiCmd.args }, { ...env, ...apiCmd.env }, { readyTimeoutMs: 60_000 });
  worker = await spawnProcess(
    "worker",
    { cwd: install.dir, args: workerCmd.args },
    { ...env, ...workerCmd.env, DB_MIGRATE_ON_START: "false", WORKER_HTTP_PORT: String(workerPort) },
    { readyTimeoutMs: 60_000 },
  );
  apiUrl = `http://127.0.0.1:${port}`;
  workerUrl = `http://127.0.0.1:${workerPort}`;
}, 300_000);

afterAll(async () => {
  await ensureStopped(worker);
  await ensureStopped(api);
  await sandbox?.close();
  await install?.remove();
  await dropDatabases(inject("adminDatabaseUrl"), [dbName]);
});

/** One scrape of /metrics as sample lines "name{labels} value". */
async function scrape(base: string): Promise<string[]> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  return (await res.text()).split("\n").filter((l) => l && !l.startsWith("#"));
}

/** Sum of the samples of `name` whose labels include every `labels` pair. */
function value(samples: string[], name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of samples) {
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[3] ?? "";
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) total += Number(m[4]);
  }
  return total;
}

const has = (samples: string[], name: string) => samples.some((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

let metricsBefore: { api: string[]; worker: string[] } | undefined;
let during: { api: string[]; worker: string[] } | undefined;

describe("production install (npm ci --omit=dev, node dist/src/main.js)", () => {
  it("contains no dev tooling", async () => {
    const modules = await readdir(join(install.dir, "node_modules"));
    // (The Prisma CLI and TypeScript are there: npm installs them as optional peers of
    // @prisma/client and the CLI, and
    // --omit=optional would also drop sharp's platform binary. Nothing at run time loads it.)
    for (const dev of ["tsx", "azurite", "vitest", "vite", "@ffmpeg-installer"]) expect(modules).not.toContain(dev);
    // Every installed package declares this Node.js (20) as supported. The one exception is the
    // Prisma CLI's @prisma/streams-local (Node >= 22), which comes with that optional peer and
    // never runs.
    const unsupported = await notForThisNode(join(install.dir, "node_modules"));
    expect(unsupported.filter((p) => !p.startsWith("@prisma/streams-local@"))).toEqual([]);
    expect(existsSync(join(install.dir, "dist", "sandbox"))).toBe(false);
    expect(existsSync(join(install.dir, "dist", "src", "generated", "prisma", "client.js"))).toBe(true);
    expect(api!.lines.join("\n")).toContain("applied migration");
    // The web app ships built and is served at /.
    const page = await fetch(`${apiUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
  });

  it("starts from the bundled entry point and its chunks, which load GraphiQL, the queue dashboard and sharp on first use", async () => {
    // The server's own modules and the packages it bundles are inside dist/src/main.js and the
    // chunks it loads by role (dist/src/chunks): none of those files imports a module of src/ by
    // path (the dev-only ../sandbox is absent here), nor graphql, Prisma, BullMQ or zod.
    const dir = join(install.dir, "dist", "src");
    const chunks = (await readdir(join(dir, "chunks"))).filter((f) => f.endsWith(".js"));
    expect(chunks.length).toBeGreaterThan(1);
    for (const file of ["main.js", ...chunks.map((c) => join("chunks", c))]) {
      const code = await readFile(join(dir, file), "utf8");
      for (const [, path] of code.matchAll(/(?:\bfrom\s*|\bimport\(\s*)"(\.{1,2}\/[^"]*)"/g)) {
        const target = join(dir, file, "..", path!);
        if (target.startsWith(join(install.dir, "dist", "sandbox"))) continue;
        expect(dirname(target), `${file} imports ${path}`).toBe(join(dir, "chunks"));
        expect(existsSync(target), `${file} imports ${path}`).toBe(true);
      }
      expect(code).not.toMatch(/\bfrom\s*"(graphql|@prisma\/client[^"]*|bullmq|zod)"/);
      // One graphql: its ES module build only, never CommonJS files beside it (a second
      // GraphQLError class, lexer and parser), whatever path a package imports it by.
      const map = JSON.parse(await readFile(join(dir, `${file}.map`), "utf8")) as { sources: string[] };
      expect(map.sources.filter((s) => /node_modules\/graphql\/.*\.js$/.test(s)), file).toEqual([]);
    }

    const graphiql = await fetch(`${apiUrl}/graphql`, { headers: { accept: "text/html" } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain("GraphiQL");

    // An admin made with the shipped CLI opens the dashboard, whose UI files bull-board serves
    // from its own package folder.
    const email = `admin-${randomBytes(4).toString("hex")}@example.com`;
    const signUp = await gql<{ signUp: { token: string } }>(
      `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`,
      { i: { email, password: "correct horse battery", name: "Admin" } },
    );
    const token = signUp.data!.signUp.token;
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: databaseUrl };
    const { stdout } = await run(process.execPath, ["dist/src/admin-cli.js", "grant", email], { cwd: install.dir, env });
    expect(stdout).toContain("is now an admin");
    const page = await fetch(`${apiUrl}/admin/queues`, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const base = /<base href="([^"]+)"/.exec(html)?.[1];
    const script = /src="(static\/js\/[^"]+\.js)"/.exec(html)?.[1];
    expect([base, script]).toEqual([expect.any(String), expect.any(String)]);
    const asset = await fetch(new URL(script!, new URL(base!, apiUrl)), { headers: { authorization: `Bearer ${token}` } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    // (sharp: the ad test below uploads a photo, which the API normalizes with it.)
  });

  it("starts `npm run start:dist` as the image starts node (its environment and flags)", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["start:dist"]).toBe(productionShellLine(ROOT));
  });

  it("runs an ad to COMPLETED through the API and a worker started from dist/", async () => {
    const email = `prod-${randomBytes(4).toString("hex")}@example.com`;
    const signUp = await gql<{ signUp: { token: string } }>(
      `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`,
      { i: { email, password: "correct horse battery", name: "Prod" } },
    );
    const token = signUp.data!.signUp.token;
    const created = await gql<{ createProject: { id: string } }>(
      `mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`,
      { i: { storeName: "Cafe Prod", address: "1 Main St", language: "EN" } },
      token,
    );
    const projectId = created.data!.createProject.id;
    const png = await (await fetch(`${sandbox.url}/media/samples/photo-1.png?w=640&h=360`)).arrayBuffer();
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: `mutation($p: ID!, $f: [File!]!) { uploadProjectImages(projectId: $p, files: $f) { id } }`, variables: { p: projectId, f: [null] } }));
    form.append("map", JSON.stringify({ 0: ["variables.f.0"] }));
    form.append("0", new Blob([png], { type: "image/png" }), "photo.png");
    const up = await fetch(`${apiUrl}/graphql`, { method: "POST", body: form, headers: { authorization: `Bearer ${token}`, "graphql-require-preflight": "1" } });
    expect(((await up.json()) as { errors?: unknown }).errors).toBeUndefined();

    const before = { api: await scrape(apiUrl), worker: await scrape(workerUrl) };
    const client = wsClient(apiUrl, token);
    const sub = subscribeWs(client, projectId, 0);
    try {
      const ad = await gql<{ generateAd: { video: { id: string } } }>(`mutation GenerateAd($p: ID!) { generateAd(projectId: $p) { video { id } } }`, { p: projectId }, token);
      expect(ad.errors).toBeUndefined();
      const final = await sub.until((e) => e.kind === "VIDEO" && ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status));
      expect(final.status, JSON.stringify(sub.events.filter((e) => e.status === "FAILED"))).toBe("COMPLETED");
      during = { api: await scrape(apiUrl), worker: await scrape(workerUrl) };
      metricsBefore = before;
    } finally {
      sub.dispose();
      await client.dispose();
    }
    const q = await gql<{ project: { videos: { edges: { node: { videoUrl: string } }[] } } }>(
      `query($p: ID!) { project(id: $p) { videos(first: 1) { edges { node { videoUrl } } } } }`,
      { p: projectId },
      token,
    );
    expect(q.errors, JSON.stringify(q.errors)).toBeUndefined();
    const video = Buffer.from(await (await fetch(q.data!.project.videos.edges[0]!.node.videoUrl)).arrayBuffer());
    expect(video.subarray(4, 8).toString()).toBe("ftyp");
  });

  it("serves /metrics on the API and the worker, and the families move as the ad runs", async () => {
    expect(during, "the ad test ran first").toBeDefined();
    const { api: a0, worker: w0 } = metricsBefore!;
    const { api: a1, worker: w1 } = during!;
    // API: operations by name, HTTP, open subscriptions, event bus lag, queue depth (BullMQ's export).
    expect(value(a1, "graphql_envelop_request_duration_count", { operationName: "GenerateAd" })).toBe(1);
    expect(value(a1, "graphql_yoga_http_duration_count")).toBeGreaterThan(value(a0, "graphql_yoga_http_duration_count"));
    expect(value(a1, "castad_subscriptions_open")).toBe(1);
    expect(value(a1, "castad_event_bus_lag_seconds_count")).toBeGreaterThan(value(a0, "castad_event_bus_lag_seconds_count"));
    for (const queue of ["lyric", "song", "video"]) expect(a1.some((l) => l.startsWith(`bullmq_job_count{queue="${queue}", state="waiting"`))).toBe(true);
    // (the lyric job has surely completed: the song started after it)
    expect(value(a1, "bullmq_job_completed_total", { queue: "lyric" })).toBeGreaterThan(value(a0, "bullmq_job_completed_total", { queue: "lyric" }));
    // Worker: steps, end-to-end durations and outcomes, provider calls, limiter and template cache.
    for (const kind of ["LYRIC", "SONG", "VIDEO"]) {
      expect(value(w1, "castad_generations_finished_total", { kind, status: "COMPLETED" })).toBe(1);
      expect(value(w1, "castad_generation_duration_seconds_count", { kind, status: "COMPLETED" })).toBe(1);
      expect(value(w1, "castad_step_duration_seconds_count", { kind })).toBeGreaterThan(value(w0, "castad_step_duration_seconds_count", { kind }));
    }
    for (const provider of ["openai", "suno", "creatomate"]) {
      expect(value(w1, "castad_provider_requests_total", { provider, outcome: "2xx" })).toBeGreaterThan(0);
      expect(value(w1, "castad_provider_request_duration_seconds_count", { provider })).toBeGreaterThan(0);
    }
    expect(value(w1, "castad_template_cache_requests_total")).toBeGreaterThan(value(w0, "castad_template_cache_requests_total"));
    expect(has(w1, "castad_rate_limiter_waits_total")).toBe(true);
    expect(has(w1, "process_cpu_seconds_total")).toBe(true);
    const ready = await fetch(`${workerUrl}/ready`);
    expect(ready.status).toBe(200);

    // Every series the shipped Grafana dashboard queries exists on the API or a worker.
    const dashboard = await readFile(join(ROOT, "deploy", "grafana-dashboard.json"), "utf8");
    const names = new Set(dashboard.match(/\b(?:castad|bullmq|graphql)_[a-z_]+\b/g));
    expect(names.size).toBeGreaterThan(10);
    // (declared families: a labelled counter has no sample until it first counts)
    const declared = `${await (await fetch(`${apiUrl}/metrics`)).text()}\n${await (await fetch(`${workerUrl}/metrics`)).text()}`;
    for (const name of names) {
      // a histogram's _bucket/_count/_sum series belong to its family (bullmq_job_count is a gauge)
      const family = name.replace(/_(bucket|count|sum)$/, "");
      const found = declared.includes(`# TYPE ${name} `) || declared.includes(`# TYPE ${family} histogram`);
      expect(found, `${name} is on no /metrics`).toBe(true);
    }
  });
});
