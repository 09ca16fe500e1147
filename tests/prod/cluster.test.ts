// castad on a real 3-master Redis Cluster that this test starts (redis-server in cluster mode
// on free ports, joined with `redis-cli --cluster create`): queues, pub/sub, rate limits and
// caches all go through REDIS_CLUSTER_NODES, and an ad runs to COMPLETED.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/app.js";
import { startStack, projectWithPhotos, watchEvents, isFinal, type Stack } from "../helpers/pipeline.js";
import { waitFor } from "../helpers/pipeline-tools.js";

const run = promisify(execFile);

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

/** A free port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 < 65536 && (await portFree(port + 10000))) return port;
  }
}

let dir: string;
const servers: ChildProcess[] = [];
let ports: number[] = [];
let stack: Stack | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "castad-cluster-"));
  ports = [await clusterPort(), await clusterPort(), await clusterPort()];
  for (const port of ports) {
    servers.push(
      spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`,
        "--dir", dir, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"], { stdio: "ignore" }),
    );
  }
  for (const port of ports) {
    await waitFor(`redis-server on ${port}`, async () => (await run("redis-cli", ["-p", String(port), "ping"]).catch(() => ({ stdout: "" }))).stdout.includes("PONG"));
  }
  await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"]);
  for (const port of ports) {
    await waitFor(`cluster state ok on ${port}`, async () => (await run("redis-cli", ["-p", String(port), "cluster", "info"])).stdout.includes("cluster_state:ok"));
  }
  stack = await startStack({ env: { REDIS_CLUSTER_NODES: ports.map((p) => `127.0.0.1:${p}`).join(",") } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  for (const s of servers) {
    if (s.exitCode === null) {
      const exited = new Promise((r) => s.once("exit", r));
      s.kill("SIGTERM");
      await exited;
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("Redis Cluster", () => {
  it("runs an ad to COMPLETED with queues, events, rate limits and caches on a 3-master cluster", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack!);
    const watch = await watchEvents(stack!, rowId);
    const res = await stack!.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`, { p: projectId }, user.token);
    expect(res.errors).toBeUndefined();
    const final = await watch.until((e) => e.kind === "VIDEO" && isFinal(e));
    await watch.stop();
    expect(final.status, JSON.stringify(watch.events.filter((e) => e.status === "FAILED"))).toBe("COMPLETED");

    // The queues' keys share one hash slot (the {prefix} tag); castad's own keys spread out.
    const cluster = new Cluster(ports.map((port) => ({ host: "127.0.0.1", port })));
    try {
      await new Promise((resolve) => cluster.once("ready", resolve));
      const prefix = stack!.api.config.REDIS_PREFIX;
      const masters = cluster.nodes("master");
      expect(masters).toHaveLength(3);
      const keysPerNode = await Promise.all(masters.map((n) => n.keys(`*${prefix}*`)));
      const all = keysPerNode.flat();
      expect(all.some((k) => k.startsWith(`{${prefix}:bull}:video:`))).toBe(true);
      expect(all.some((k) => k.startsWith(`${prefix}:ratelimit:`) || k.startsWith(`${prefix}:creatomate:`))).toBe(true);
      expect(keysPerNode.filter((keys) => keys.length > 0).length).toBeGreaterThan(1);
    } finally {
      cluster.disconnect();
    }
  });
});
