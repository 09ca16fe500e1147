import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SANDBOX_TEMPLATE_ELEMENTS,
  SANDBOX_TEMPLATE_IDS,
  sandboxMarkers,
  startSandbox,
  type Sandbox,
} from "../../sandbox/server.js";
import { bytes, get, getJson, postJson } from "../helpers/sandbox-http.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import { differs, grayBand } from "../helpers/frames.js";

let sb: Sandbox;
let rx: Receiver;
let api: string;

beforeAll(async () => {
  // The account-wide limit has its own test below; these tests poll freely.
  sb = await startSandbox({ speed: 100, creatomateAccountLimitPer10s: 0 });
  rx = await startReceiver();
  api = `${sb.url}/creatomate`;
});
afterAll(async () => {
  await sb.close();
  await rx.close();
});

function renderBody(extra: Record<string, unknown> = {}, mods: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    template_id: SANDBOX_TEMPLATE_IDS.landscape,
    modifications: {
      "Image-1": `${sb.url}/media/samples/photo-1.png`,
      "Image-2": `${sb.url}/media/samples/photo-2.png?w=400&h=400`,
      Music: `${sb.url}/media/samples/song.wav?seconds=3`,
      "Text-1": "La la la\nCome on down",
      Title: "Blue Door",
      ...mods,
    },
    webhook_url: `${rx.url}/creatomate/hook`,
    metadata: `job-${Math.random().toString(36).slice(2)}`,
    ...extra,
  };
}

async function createRender(b: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await postJson(`${api}/v1/renders`, b);
  expect(r.status).toBe(202);
  expect(Array.isArray(r.json)).toBe(true);
  const arr = r.json as Array<Record<string, unknown>>;
  expect(arr).toHaveLength(1);
  return arr[0] as Record<string, unknown>;
}

const hookFor = (id: unknown) => (r: { body: unknown }) => get(r.body, "id") === id;

async function advance(id: unknown): Promise<Record<string, unknown>> {
  const r = await postJson(`${sb.url}/_sandbox/creatomate/${String(id)}/advance`, {});
  expect(r.status).toBe(200);
  return r.json as Record<string, unknown>;
}

describe("Creatomate templates", () => {
  it("lists templates and returns full templates with the documented element names", async () => {
    const list = await getJson(`${api}/v1/templates`);
    expect(list.status).toBe(200);
    const items = list.json as Array<Record<string, unknown>>;
    expect(items.map((t) => t.id)).toEqual(expect.arrayContaining(Object.values(SANDBOX_TEMPLATE_IDS)));
    for (const t of items) expect(Object.keys(t).sort()).toEqual(["created_at", "id", "name", "tags", "updated_at"]);

    const full = await getJson(`${api}/v2/templates/${SANDBOX_TEMPLATE_IDS.portrait}`);
    expect(full.status).toBe(200);
    const names = (get(full.json, "source", "elements") as Array<{ name: string; type: string }>).map((e) => e.name);
    expect(names).toEqual([...SANDBOX_TEMPLATE_ELEMENTS]);
    const types = Object.fromEntries(
      (get(full.json, "source", "elements") as Array<{ name: string; type: string }>).map((e) => [e.name, e.type]),
    );
    expect(types).toMatchObject({ "Image-1": "image", "Image-5": "image", Music: "audio", "Text-1": "text", Title: "text" });

    const missing = await getJson(`${api}/v2/templates/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
    expect(typeof get(missing.json, "hint")).toBe("string");
  });

  it("rejects a bad key with 401 {hint, message}", async () => {
    const r = await getJson(`${api}/v1/templates`, "wrong");
    expect(r.status).toBe(401);
    expect(get(r.json, "message")).toBe("Unauthorized");
    expect(typeof get(r.json, "hint")).toBe("string");
  });
});

describe("Creatomate renders", () => {
  it("202 + array, progresses to succeeded, sends the webhook, serves a real MP4 (no snapshot unless asked for)", async () => {
    const b = renderBody();
    const render = await createRender(b);
    expect(render.status).toBe("planned");
    expect(render.error_message).toBeNull();
    expect(String(render.url)).toMatch(/\.mp4$/);
    expect(render.template_id).toBe(SANDBOX_TEMPLATE_IDS.landscape);
    expect(render.template_name).toBe("Sandbox Slideshow 16:9");
    expect(render.metadata).toBe(b.metadata);
    expect(render.modifications).toEqual(b.modifications);
    expect(render.output_format).toBe("mp4");
    for (const k of ["snapshot_url", "template_tags", "render_scale", "width", "height", "frame_rate", "duration", "file_size", "webhook_url"]) {
      expect(render).toHaveProperty(k);
    }

    const hook = await rx.waitFor(hookFor(render.id), 20_000);
    expect(get(hook.body, "status")).toBe("succeeded");
    expect(get(hook.body, "metadata")).toBe(b.metadata);

    const polled = await getJson(`${api}/v1/renders/${String(render.id)}`);
    expect(get(polled.json, "status")).toBe("succeeded");
    expect(get(polled.json, "duration")).toBeGreaterThan(0);
    const mp4 = await bytes(String(render.url));
    expect(mp4.status).toBe(200);
    expect(mp4.headers.get("content-type")).toBe("video/mp4");
    expect(Number(mp4.headers.get("content-length"))).toBe(mp4.body.length);
    expect(mp4.body.length).toBe(get(polled.json, "file_size"));
    expect(mp4.body.subarray(4, 8).toString("latin1")).toBe("ftyp");
    // Documented: snapshot_url only when the RenderScript sets snapshot_time (this template does not).
    expect(render.snapshot_url).toBeNull();
    expect(get(polled.json, "snapshot_url")).toBeNull();
  });

  it("a RenderScript source with snapshot_time, duration and timed text elements: snapshot at that time, captions drawn only in their window", async () => {
    const source = {
      output_format: "mp4",
      width: 320,
      height: 180,
      duration: 3,
      snapshot_time: 1.5,
      elements: [
        { name: "Image-1", type: "image", source: `${sb.url}/media/samples/photo-1.png?w=320&h=180` },
        { name: "Music", type: "audio", source: `${sb.url}/media/samples/song.wav?seconds=3` },
        { name: "Caption-1", type: "text", time: 1, duration: 1, y: "50%", text: "HELLO WORLD" },
      ],
    };
    const render = await createRender({ source, webhook_url: `${rx.url}/creatomate/hook`, metadata: "captions" });
    expect(render.snapshot_url).toMatch(/snapshot\.jpg$/);
    await rx.waitFor(hookFor(render.id), 20_000);
    const done = (await getJson(`${api}/v1/renders/${String(render.id)}`)).json as Record<string, unknown>;
    expect(done).toMatchObject({ status: "succeeded", duration: 3 });
    const mp4 = (await bytes(String(render.url))).body;
    const band = (at: number) => grayBand(mp4, at, 320, 180);
    const [before, during, after] = await Promise.all([band(0.5), band(1.5), band(2.5)]);
    expect(differs(before, after)).toBeLessThan(0.02); // same picture, no caption
    expect(differs(before, during)).toBeGreaterThan(0.2); // the caption box and its words
    const snap = await bytes(String(render.snapshot_url));
    expect([...snap.body.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it("limits the whole account to 30 requests per 10 s, every endpoint (429 + retry-after)", async () => {
    const limited = await startSandbox({ speed: 100 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) statuses.push((await getJson(`${limited.url}/creatomate/v1/templates`)).status);
      expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
      const last = await getJson(`${limited.url}/creatomate/v1/renders/any`);
      expect(last.status).toBe(429);
      expect(last.headers.get("retry-after")).toBe("1");
      expect(statuses[30]).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it("[sandbox:hold] parks the render; advance walks planned → waiting → rendering → succeeded; url 404 until then", async () => {
    const render = await createRender(renderBody({ metadata: `held ${sandboxMarkers.hold()}` }));
    expect((await getJson(`${api}/v1/renders/${String(render.id)}`)).json).toMatchObject({ status: "planned" });
    expect((await bytes(String(render.url))).status).toBe(404);
    expect((await advance(render.id)).status).toBe("waiting");
    expect((await advance(render.id)).status).toBe("rendering");
    expect((await bytes(String(render.url))).status).toBe(404);
    const done = await advance(render.id);
    expect(done.status).toBe("succeeded");
    expect((await bytes(String(render.url))).status).toBe(200);
    expect((await advance(render.id)).advanced).toBe(false);
  });

  it("fails with a clear error_message when an image cannot be downloaded or decoded", async () => {
    const broken = await createRender(renderBody({}, { "Image-2": `${sb.url}/media/samples/broken.png` }));
    const missing = await createRender(renderBody({}, { "Image-1": `${sb.url}/media/nope/missing.png?sig=secret` }));
    const h1 = await rx.waitFor(hookFor(broken.id), 20_000);
    expect(get(h1.body, "status")).toBe("failed");
    expect(String(get(h1.body, "error_message"))).toMatch(/Image-2.*could not be decoded/);
    const h2 = await rx.waitFor(hookFor(missing.id), 20_000);
    expect(get(h2.body, "status")).toBe("failed");
    expect(String(get(h2.body, "error_message"))).toMatch(/Image-1.*HTTP 404/);
    expect(String(get(h2.body, "error_message"))).not.toContain("secret");
  });

  it("[sandbox:status=failed] fails; [sandbox:webhook-twice] and [sandbox:no-webhook]", async () => {
    const failed = await createRender(renderBody({ metadata: `x ${sandboxMarkers.status("failed")}` }));
    const twice = await createRender(renderBody({}, { "Text-1": `lyrics ${sandboxMarkers.webhookTwice()}` }));
    const silent = await createRender(renderBody({ metadata: sandboxMarkers.noWebhook() + sandboxMarkers.hold() }));
    const h = await rx.waitFor(hookFor(failed.id), 20_000);
    expect(get(h.body, "status")).toBe("failed");
    expect(get(h.body, "error_message")).toEqual(expect.any(String));
    await rx.waitForCount(hookFor(twice.id), 2, 20_000);
    await advance(silent.id);
    await advance(silent.id);
    expect((await advance(silent.id)).status).toBe("succeeded");
    // the silent render finished before the (later) webhook of another render below arrives
    const after = await createRender(renderBody());
    await rx.waitFor(hookFor(after.id), 20_000);
    expect(rx.received.filter(hookFor(silent.id))).toHaveLength(0);
  });

  it("[sandbox:poll-fail=503x2] and [sandbox:fail=500x2] / [sandbox:malformed] on create", async () => {
    const r = await createRender(renderBody({ metadata: `p ${sandboxMarkers.pollFail(503, 2)} ${sandboxMarkers.hold()}` }));
    expect((await getJson(`${api}/v1/renders/${String(r.id)}`)).status).toBe(503);
    expect((await getJson(`${api}/v1/renders/${String(r.id)}`)).status).toBe(503);
    expect((await getJson(`${api}/v1/renders/${String(r.id)}`)).status).toBe(200);

    const b = renderBody({ metadata: `f ${sandboxMarkers.fail(500, 2)} ${sandboxMarkers.hold()}` });
    expect((await postJson(`${api}/v1/renders`, b)).status).toBe(500);
    expect((await postJson(`${api}/v1/renders`, b)).status).toBe(500);
    expect((await postJson(`${api}/v1/renders`, b)).status).toBe(202);
    const m = await postJson(`${api}/v1/renders`, renderBody({ metadata: sandboxMarkers.malformed() }));
    expect(m.status).toBe(200);
    expect(m.json).toBeUndefined();
  });

  it("validates the body and answers unknown renders with 404", async () => {
    const noTemplate = await postJson(`${api}/v1/renders`, { modifications: {} });
    expect(noTemplate.status).toBe(400);
    expect(typeof get(noTemplate.json, "hint")).toBe("string");
    const unknown = await postJson(`${api}/v1/renders`, { template_id: "00000000-0000-0000-0000-000000000000" });
    expect(unknown.status).toBe(400);
    const badFormat = await postJson(`${api}/v1/renders`, renderBody({ output_format: "avi" }));
    expect(badFormat.status).toBe(400);
    const nf = await getJson(`${api}/v1/renders/00000000-0000-0000-0000-000000000000`);
    expect(nf.status).toBe(404);
  });

  it("honours max_width/max_height and v2 returns a single object", async () => {
    const r = await postJson(
      `${api}/v2/renders`,
      renderBody({ template_id: SANDBOX_TEMPLATE_IDS.portrait, max_width: 200, metadata: sandboxMarkers.hold() }),
    );
    expect(r.status).toBe(202);
    expect(Array.isArray(r.json)).toBe(false);
    expect(get(r.json, "width")).toBe(200);
    expect(get(r.json, "height")).toBe(356);
  });

  it("[sandbox:duration=NN] and the embedded fallback MP4 when ffmpeg is unavailable", async () => {
    const s = await startSandbox({ speed: 1, ffmpegPath: null });
    try {
      const b = { ...renderBody({ metadata: sandboxMarkers.duration(0.05) }) };
      const r = await postJson(`${s.url}/creatomate/v1/renders`, b);
      const id = get(r.json, 0, "id");
      const hook = await rx.waitFor(hookFor(id), 5000);
      expect(get(hook.body, "status")).toBe("succeeded");
      const mp4 = await bytes(String(get(hook.body, "url")));
      expect(mp4.body.subarray(4, 8).toString("latin1")).toBe("ftyp");
    } finally {
      await s.close();
    }
  });
});
