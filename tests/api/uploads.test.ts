import { Readable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { BlobServiceClient } from "@azure/storage-blob";
import { BlobTooLargeError, BodyLengthError } from "../../src/storage/blob-storage.js";
import { postGraphql, signUp, startTestApi, type TestApi } from "../helpers/app.js";
import { assertWellFormed, checked, createProject, expectError, listBlobs, ok, PREFLIGHT, rowId, upload, UPLOAD_MUTATION } from "../helpers/gql.js";
import sharp from "sharp";
import { JPEG, makePng, photoPng, PNG, WEBP } from "../helpers/images.js";

const MAX_FILE = 2048;
let api: TestApi;
let token: string;
beforeAll(async () => {
  api = checked(await startTestApi({ env: { UPLOAD_MAX_FILE_BYTES: String(MAX_FILE), UPLOAD_MAX_FILES: "3" } }));
  ({ token } = await signUp(api, "uploader"));
});
afterAll(() => api?.close());

const IMAGES = `query($id: ID!) { project(id: $id) { images { id order fileName contentType size url } } }`;
type Images = { project: { images: { id: string; order: number; fileName: string; contentType: string; size: number; url: string }[] } };

async function imageRows(projectId: string) {
  return api.app.services.prisma.projectImage.count({ where: { projectId: rowId(projectId) } });
}

describe("uploadProjectImages", () => {
  it("accepts JPEG, PNG and WebP by content, stores each as a normalized JPEG served via SAS URLs", async () => {
    const projectId = await createProject(api, token);
    // Names and declared types lie on purpose: the type comes from the magic bytes.
    const files = [
      { name: "photo.jpg", type: "image/jpeg", bytes: JPEG },
      { name: "logo.bin", type: "application/octet-stream", bytes: PNG },
      { name: "dir/../shop.jpeg", type: "image/jpeg", bytes: WEBP },
    ];
    const images = ok(await upload(api, token, projectId, files)).uploadProjectImages;
    expect(images.map((i) => [i.order, i.contentType])).toEqual([
      [0, "image/jpeg"],
      [1, "image/jpeg"],
      [2, "image/jpeg"],
    ]);
    expect(images.map((i) => i.fileName)).toEqual(["photo.jpg", "logo.bin", "shop.jpeg"]);

    for (const [i, image] of images.entries()) {
      const url = new URL(image.url);
      expect(url.searchParams.get("sig"), image.url).toBeTruthy();
      expect(url.searchParams.get("se"), image.url).toBeTruthy();
      expect(url.searchParams.get("sp")).toBe("r");
      const res = await fetch(image.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(images[i]!.contentType);
      const stored = Buffer.from(await res.arrayBuffer());
      expect(stored.length).toBe(image.size);
      const meta = await sharp(stored).metadata();
      expect([meta.format, meta.width, meta.height, meta.exif, meta.space]).toEqual(["jpeg", 240, 200, undefined, "srgb"]);
      // Without the signature the blob is not readable.
      const bare = new URL(image.url);
      bare.search = "";
      expect((await fetch(bare)).status).toBeGreaterThanOrEqual(400);
    }
    expect((await listBlobs(api, `projects/${rowId(projectId)}/`)).sort()).toHaveLength(3);
  });

  it("appends across uploads: 0,1 then 2,3", async () => {
    const projectId = await createProject(api, token);
    const first = ok(await upload(api, token, projectId, [
      { name: "a.png", type: "image/png", bytes: await photoPng(1) },
      { name: "b.png", type: "image/png", bytes: await photoPng(2) },
    ])).uploadProjectImages;
    const second = ok(await upload(api, token, projectId, [
      { name: "c.png", type: "image/png", bytes: await photoPng(3) },
      { name: "d.png", type: "image/png", bytes: await photoPng(4) },
    ])).uploadProjectImages;
    expect(first.map((i) => i.order)).toEqual([0, 1]);
    expect(second.map((i) => i.order)).toEqual([2, 3]);
    const listed = ok(await api.gql<Images>(IMAGES, { id: projectId }, token)).project.images;
    expect(listed.map((i) => [i.order, i.fileName])).toEqual([[0, "a.png"], [1, "b.png"], [2, "c.png"], [3, "d.png"]]);
    expect(listed.map((i) => i.id)).toEqual([...first, ...second].map((i) => i.id));
  });

  it("deleteProjectImage removes the row and the blob; only the owner may", async () => {
    const projectId = await createProject(api, token);
    const [a, b] = ok(await upload(api, token, projectId, [
      { name: "a.png", type: "image/png", bytes: await photoPng(5) },
      { name: "b.png", type: "image/png", bytes: await photoPng(6) },
    ])).uploadProjectImages;
    const DELETE = `mutation($id: ID!) { deleteProjectImage(id: $id) }`;
    const other = await signUp(api, "not-the-owner");
    expectError(await api.gql(DELETE, { id: a!.id }, other.token), "NOT_FOUND");
    expect(ok(await api.gql<{ deleteProjectImage: string }>(DELETE, { id: a!.id }, token)).deleteProjectImage).toBe(a!.id);
    expectError(await api.gql(DELETE, { id: a!.id }, token), "NOT_FOUND");
    const listed = ok(await api.gql<Images>(IMAGES, { id: projectId }, token)).project.images;
    expect(listed.map((i) => i.id)).toEqual([b!.id]);
    expect((await listBlobs(api, `projects/${rowId(projectId)}/`)).length).toBe(1);
  });

  it("reorderProjectImages puts the photos in the order given; each photo exactly once; only the owner", async () => {
    const projectId = await createProject(api, token);
    const files = await Promise.all([1, 2, 3].map(async (i) => ({ name: `${i}.png`, type: "image/png", bytes: await photoPng(40 + i) })));
    const [a, b, c] = ok(await upload(api, token, projectId, files)).uploadProjectImages;
    const REORDER = `mutation($p: ID!, $ids: [ID!]!) { reorderProjectImages(projectId: $p, imageIds: $ids) { id order } }`;
    const moved = ok(await api.gql<{ reorderProjectImages: { id: string; order: number }[] }>(REORDER, { p: projectId, ids: [c!.id, a!.id, b!.id] }, token));
    expect(moved.reorderProjectImages).toEqual([{ id: c!.id, order: 0 }, { id: a!.id, order: 1 }, { id: b!.id, order: 2 }]);
    expect(ok(await api.gql<Images>(IMAGES, { id: projectId }, token)).project.images.map((i) => i.id)).toEqual([c!.id, a!.id, b!.id]);
    expectError(await api.gql(REORDER, { p: projectId, ids: [a!.id, b!.id] }, token), "BAD_USER_INPUT", "imageIds");
    expectError(await api.gql(REORDER, { p: projectId, ids: [a!.id, a!.id, b!.id] }, token), "BAD_USER_INPUT", "imageIds");
    const other = await signUp(api, "not-the-owner");
    expectError(await api.gql(REORDER, { p: projectId, ids: [c!.id, a!.id, b!.id] }, other.token), "NOT_FOUND");
  });

  it("concurrent uploads to one project get distinct, consecutive orders", async () => {
    const projectId = await createProject(api, token);
    const batch = (seed: number) =>
      Promise.all([0, 1, 2].map(async (i) => ({ name: `${seed}-${i}.png`, type: "image/png", bytes: await photoPng(seed * 10 + i) }))).then((files) =>
        upload(api, token, projectId, files),
      );
    const results = await Promise.all([batch(1), batch(2), batch(3)]);
    const orders = results.map((r) => ok(r).uploadProjectImages.map((i) => i.order));
    for (const o of orders) expect(o).toEqual([o[0]!, o[0]! + 1, o[0]! + 2]);
    expect(orders.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("refuses a text file dressed up as a PNG with UNSUPPORTED_MEDIA_TYPE", async () => {
    const projectId = await createProject(api, token);
    const res = await upload(api, token, projectId, [
      { name: "notes.png", type: "image/png", bytes: new TextEncoder().encode("just some text, honestly\n") },
    ]);
    expectError(res, "UNSUPPORTED_MEDIA_TYPE", "files.0");
    expect(await imageRows(projectId)).toBe(0);
    expect(await listBlobs(api, `projects/${rowId(projectId)}/`)).toEqual([]);
  });

  it("refuses a file over the per-file limit and too many files with PAYLOAD_TOO_LARGE", async () => {
    const projectId = await createProject(api, token);
    const big = makePng(128, 128, 9);
    expect(big.length).toBeGreaterThan(MAX_FILE);
    expectError(await upload(api, token, projectId, [{ name: "big.png", type: "image/png", bytes: big }]), "PAYLOAD_TOO_LARGE", "files.0");

    const four = await Promise.all([1, 2, 3, 4].map(async (n) => ({ name: `${n}.png`, type: "image/png", bytes: await photoPng(n) })));
    expectError(await upload(api, token, projectId, four), "PAYLOAD_TOO_LARGE", "files");
    // Exactly at the limits is fine.
    ok(await upload(api, token, projectId, four.slice(0, 3)));
    expect(await imageRows(projectId)).toBe(3);
  });

  it("a failed upload leaves no rows and no blobs behind", async () => {
    const projectId = await createProject(api, token);
    const before = await listBlobs(api);
    for (const bad of [
      { name: "fake.png", type: "image/png", bytes: new TextEncoder().encode("GIF89a not really") },
      { name: "big.png", type: "image/png", bytes: makePng(128, 128, 5) },
    ]) {
      const res = await upload(api, token, projectId, [{ name: "good.jpg", type: "image/jpeg", bytes: JPEG }, bad, { name: "good.webp", type: "image/webp", bytes: WEBP }]);
      expect(res.errors?.[0]?.extensions?.field).toBe("files.1");
      expect(res.data).toBeNull();
    }
    expect(await imageRows(projectId)).toBe(0);
    expect(await listBlobs(api, `projects/${rowId(projectId)}/`)).toEqual([]);
    expect((await listBlobs(api)).sort()).toEqual(before.sort());
  });

  it("blobs already stored are removed when the rows cannot be written (project deleted mid-upload)", async () => {
    const projectId = await createProject(api, token);
    const prefix = `projects/${rowId(projectId)}/`;
    // Hold the project row lock: the upload stores its blobs, then waits for the lock.
    const db = new pg.Client({ connectionString: inject("databaseUrl") });
    await db.connect();
    try {
      await db.query("BEGIN");
      await db.query("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE", [rowId(projectId)]);
      const pending = upload(api, token, projectId, [
        { name: "a.jpg", type: "image/jpeg", bytes: JPEG },
        { name: "b.png", type: "image/png", bytes: PNG },
      ]);
      // Wait (by asking Postgres, not by sleeping) until the upload's transaction is blocked on us.
      const { rows: [me] } = await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      for (;;) {
        const { rows } = await db.query("SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", [me!.pid]);
        if (rows.length) break;
      }
      expect(await listBlobs(api, prefix)).toHaveLength(2);
      await db.query("DELETE FROM projects WHERE id = $1", [rowId(projectId)]);
      await db.query("COMMIT");
      expectError(await pending, "NOT_FOUND");
    } finally {
      await db.end();
    }
    expect(await imageRows(projectId)).toBe(0);
    expect(await listBlobs(api, prefix)).toEqual([]);
  });

  it("storage refuses a stream over maxBytes (or one that fails midway) and leaves no blob", async () => {
    const storage = api.app.services.storage;
    const key = `tests/${rowId(await createProject(api, token))}/too-big.bin`;
    const chunks = () => Readable.from([Buffer.alloc(1500, 1), Buffer.alloc(1500, 2), Buffer.alloc(1500, 3)]);
    await expect(storage.upload(key, chunks(), { contentType: "application/octet-stream", maxBytes: 2048 })).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    expect(await storage.properties(key)).toBeNull();

    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(1000, 1);
        throw new Error("client went away");
      })(),
    );
    await expect(storage.upload(key, failing, { contentType: "application/octet-stream" })).rejects.toThrow("client went away");
    expect(await storage.properties(key)).toBeNull();

    // And the happy path reports the size and stores the bytes.
    const progress: number[] = [];
    expect(await storage.upload(key, chunks(), { contentType: "image/png", maxBytes: 4500, onProgress: (n) => progress.push(n) })).toBe(4500);
    expect(progress.at(-1)).toBe(4500);
    expect(await storage.properties(key)).toEqual({ size: 4500, contentType: "image/png" });
    await storage.delete(key);
    expect(await storage.properties(key)).toBeNull();
  });

  it("a small body of known size goes up in one request (no blocks), within the same limits as a streamed one", async () => {
    const storage = api.app.services.storage;
    const container = BlobServiceClient.fromConnectionString(api.config.storageConnectionString).getContainerClient(api.config.AZURE_STORAGE_CONTAINER);
    const committedBlocks = async (key: string) => (await container.getBlockBlobClient(key).getBlockList("committed")).committedBlocks?.length ?? 0;
    const base = `tests/${rowId(await createProject(api, token))}`;
    const parts = [Buffer.alloc(1500, 1), Buffer.alloc(1500, 2), Buffer.alloc(1500, 3)];
    const chunks = () => Readable.from(parts);

    const progress: number[] = [];
    expect(await storage.upload(`${base}/one.png`, chunks(), { contentType: "image/png", size: 4500, onProgress: (n) => progress.push(n) })).toBe(4500);
    expect(await committedBlocks(`${base}/one.png`)).toBe(0); // one Put Blob
    expect(progress.at(-1)).toBe(4500);
    expect(await storage.properties(`${base}/one.png`)).toEqual({ size: 4500, contentType: "image/png" });
    const stored: Buffer[] = [];
    for await (const chunk of await storage.download(`${base}/one.png`)) stored.push(chunk as Buffer);
    expect(Buffer.concat(stored).equals(Buffer.concat(parts))).toBe(true);
    // Of unknown size, the same body is streamed as a block and its commit.
    expect(await storage.upload(`${base}/streamed.png`, chunks(), { contentType: "image/png" })).toBe(4500);
    expect(await committedBlocks(`${base}/streamed.png`)).toBe(1);

    await expect(storage.upload(`${base}/big.bin`, chunks(), { contentType: "application/octet-stream", size: 4500, maxBytes: 2048 })).rejects.toBeInstanceOf(BlobTooLargeError);
    await expect(storage.upload(`${base}/long.bin`, chunks(), { contentType: "application/octet-stream", size: 3000 })).rejects.toBeInstanceOf(BodyLengthError);
    expect(await storage.properties(`${base}/big.bin`)).toBeNull();
    expect(await storage.properties(`${base}/long.bin`)).toBeNull();
  });

  it("needs at least one file, a signed-in owner, and a real file in the variable", async () => {
    const projectId = await createProject(api, token);
    expectError(await upload(api, token, projectId, []), "BAD_USER_INPUT", "files");
    expectError(await upload(api, undefined, projectId, [{ name: "a.jpg", type: "image/jpeg", bytes: JPEG }]), "UNAUTHENTICATED");
    // A string where a File is expected (plain JSON request) is a coercion error with a code.
    const res = await api.gql(UPLOAD_MUTATION, { projectId, files: ["not a file"] }, token);
    expectError(res, "BAD_USER_INPUT");
    expect(await imageRows(projectId)).toBe(0);
  });

  it("a body over the upload limits is PAYLOAD_TOO_LARGE (JSON has a much smaller one)", async () => {
    const projectId = await createProject(api, token);
    // The body cap is UPLOAD_MAX_FILES * UPLOAD_MAX_FILE_BYTES + 1 MiB of form overhead.
    const cap = 3 * MAX_FILE + 1024 * 1024;
    const form = new FormData();
    form.set("operations", JSON.stringify({ query: UPLOAD_MUTATION, variables: { projectId, files: [null] } }));
    form.set("map", JSON.stringify({ 0: ["variables.files.0"] }));
    const huge = new Uint8Array(cap + 1024);
    huge.set(JPEG);
    form.set("0", new Blob([huge], { type: "image/jpeg" }), "huge.jpg");
    const res = await postGraphql(api.url, form, { authorization: `Bearer ${token}`, ...PREFLIGHT });
    assertWellFormed(res);
    expect(res.status).toBe(413);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["PAYLOAD_TOO_LARGE"]);

    // Streamed without a Content-Length (chunked), the limit is hit while parsing: same answer.
    // Sent with node:http, which reads an answer that comes before the whole body was sent
    // (undici's fetch reports the connection instead).
    const streamed = new Request("http://unused.invalid/", { method: "POST", body: form });
    const bytes = Buffer.from(await streamed.arrayBuffer());
    const { request } = await import("node:http");
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${api.url}/graphql`, {
        method: "POST",
        headers: { "content-type": streamed.headers.get("content-type")!, authorization: `Bearer ${token}`, ...PREFLIGHT, "transfer-encoding": "chunked" },
      });
      req.on("error", () => {}); // the rest of the body may meet a closed connection
      req.once("response", (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.once("end", () => resolve({ status: res.statusCode!, body }));
        res.once("error", reject);
      });
      for (let i = 0; i < bytes.length; i += 64 * 1024) req.write(bytes.subarray(i, i + 64 * 1024));
      req.end();
    });
    const chunkedBody = JSON.parse(chunked.body) as { errors?: { extensions?: { code?: string } }[] };
    expect(chunked.status).toBe(413);
    expect(chunkedBody.errors?.map((e) => e.extensions?.code)).toEqual(["PAYLOAD_TOO_LARGE"]);

    // Same for a JSON body of that size.
    const json = await postGraphql(api.url, JSON.stringify({ query: "{ viewer { id } }", variables: { pad: "x".repeat(cap) } }), {
      "content-type": "application/json",
    });
    assertWellFormed(json);
    expect(json.errors?.map((e) => e.extensions?.code)).toEqual(["PAYLOAD_TOO_LARGE"]);
    expect(await imageRows(projectId)).toBe(0);
  });
});

describe("orphan photo sweep", () => {
  it("deletes photo blobs no row refers to (an upload interrupted between blob and row), keeps the rest", async () => {
    const { sweepOrphanImages } = await import("../../src/storage/orphans.js");
    const { imageBlobKey } = await import("../../src/storage/keys.js");
    const projectId = await createProject(api, token);
    const [kept] = ok(await upload(api, token, projectId, [{ name: "kept.jpg", type: "image/jpeg", bytes: JPEG }])).uploadProjectImages;
    const stray = imageBlobKey(rowId(projectId), "00000000-0000-4000-8000-000000000001", "jpg");
    await api.app.services.storage.upload(stray, Readable.from([JPEG]), { contentType: "image/jpeg" });
    // Within the grace period nothing is touched (an upload may still be writing its rows).
    expect((await sweepOrphanImages(api.app.services, 3_600_000)).deleted).toBe(0);
    const swept = await sweepOrphanImages(api.app.services, 0);
    console.log(`[orphans] checked ${swept.checked}, deleted ${swept.deleted}`);
    expect(swept.deleted).toBeGreaterThanOrEqual(1);
    expect(await api.app.services.storage.properties(stray)).toBeNull();
    const row = await api.app.services.prisma.projectImage.findUniqueOrThrow({ where: { id: rowId(kept!.id) } });
    expect(await api.app.services.storage.properties(row.blobKey)).not.toBeNull();
  });
});
