// A 45-second PostgreSQL outage in the middle of two ads (private cluster, stopped and started by
// the test): database errors are not failed attempts, the jobs wait with capped backoff and
// resume the provider tasks they already had. Every ad ends COMPLETED with one provider task per
// stage (counted by the sandbox).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { freePort, startTestApi } from "../helpers/app.js";
import { pipelineEnv, projectWithPhotos, watchEvents, isFinal, type Stack } from "../helpers/pipeline.js";
import { sandboxStats } from "../helpers/pipeline-tools.js";
import { startPrivatePostgres, type PrivatePostgres } from "../helpers/private-services.js";

let db: PrivatePostgres;
let sandbox: Sandbox;
let stack: Stack;
beforeAll(async () => {
  db = await startPrivatePostgres();
  sandbox = await startSandbox({ port: 0, speed: 100, sunoGenerateLimitPer10s: 0 });
  const port = await freePort();
  const env = pipelineEnv(sandbox, port, { DATABASE_URL: db.url });
  const api = await startTestApi({ env, role: "all", port });
  stack = { sandbox, api, env: { ...env, REDIS_PREFIX: api.config.REDIS_PREFIX, AZURE_STORAGE_CONTAINER: api.config.AZURE_STORAGE_CONTAINER }, close: async () => {} };
});
afterAll(async () => {
  await stack?.api.close();
  await sandbox?.close();
  await db?.close();
});

const AD = `mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`;

describe("PostgreSQL outage mid-pipeline", () => {
  it("45 s without the database: every ad COMPLETED, one Suno task and one render per ad", async () => {
    const before = await sandboxStats(stack);
    const ads = [];
    for (const name of ["Outage Cafe [sandbox:suno:duration=20]", "Outage Deli [sandbox:suno:duration=20]"]) {
      const p = await projectWithPhotos(stack, { photos: 1, storeName: name });
      const watch = await watchEvents(stack, p.rowId);
      const res = await stack.api.gql(AD, { p: p.projectId }, p.user.token);
      expect(res.errors).toBeUndefined();
      ads.push({ ...p, watch });
    }
    // Both songs are with Suno (task ids stored): now the database goes away.
    for (const ad of ads) await ad.watch.until((e) => e.kind === "SONG" && e.message === "The music service is composing the song");
    await db.stop();
    const down = performance.now();
    await new Promise((r) => setTimeout(r, 45_000)); // the outage itself: its length is the point
    await db.start();
    console.log(`[pg-outage] database down for ${((performance.now() - down) / 1000).toFixed(1)} s`);
    const back = performance.now();
    const finals = await Promise.all(ads.map((ad) => ad.watch.until((e) => e.kind === "VIDEO" && isFinal(e))));
    for (const ad of ads) await ad.watch.stop();
    const after = await sandboxStats(stack);
    const suno = after.suno.generateRequests - before.suno.generateRequests;
    const renders = after.creatomate.renderRequests - before.creatomate.renderRequests;
    const attempts = await stack.api.app.services.prisma.song.findMany({ where: { projectId: { in: ads.map((a) => a.rowId) } }, select: { attempt: true, status: true } });
    console.log(
      `[pg-outage] after the database came back: videos ${finals.map((f) => f.status).join(", ")} within ${((performance.now() - back) / 1000).toFixed(1)} s; ` +
        `${suno} Suno submissions, ${renders} renders for ${ads.length} ads; song attempts ${attempts.map((a) => a.attempt).join(", ")}`,
    );
    expect(finals.map((f) => f.status)).toEqual(["COMPLETED", "COMPLETED"]);
    expect(suno).toBe(2);
    expect(renders).toBe(2);
    expect(attempts.every((a) => a.attempt === 1 && a.status === "COMPLETED")).toBe(true);
  });
});
