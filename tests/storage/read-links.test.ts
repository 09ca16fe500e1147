// Read links are signed without the SDK on the hot path (one HMAC per link); they must be the
// SDK's links exactly, and open the blob.
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { BlobSASPermissions, BlobServiceClient } from "@azure/storage-blob";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config.js";
import { BlobStorage } from "../../src/storage/blob-storage.js";
import { testEnv } from "../helpers/app.js";

const config = loadConfig(testEnv());
let storage: BlobStorage;
beforeAll(async () => {
  storage = await BlobStorage.connect(config);
});
afterAll(async () => {
  await BlobServiceClient.fromConnectionString(config.storageConnectionString).getContainerClient(config.AZURE_STORAGE_CONTAINER).deleteIfExists();
});

describe("read links", () => {
  it("are the SDK's SAS links, character for character, and open the blob", async () => {
    expect(storage.fastLinks).toBe(true);
    const container = BlobServiceClient.fromConnectionString(config.storageConnectionString).getContainerClient(config.AZURE_STORAGE_CONTAINER);
    const keys = [`projects/${randomBytes(16).toString("hex")}/songs/${randomBytes(8).toString("hex")}/song.mp3`, "a.b", "x/y_z-1~2.png"];
    for (const key of keys) {
      const link = storage.readUrl(key);
      const minute = Math.floor(Date.now() / 60_000) * 60_000;
      const sdk = await container.getBlobClient(key).generateSasUrl({
        permissions: BlobSASPermissions.parse("r"),
        startsOn: new Date(minute - 5 * 60_000),
        expiresOn: new Date(minute + config.STORAGE_SAS_TTL_SECONDS * 1000),
      });
      // (A minute boundary between the two calls would change both; retry once then.)
      expect(link === sdk ? link : storage.readUrl(key)).toBe(sdk);
    }
    await storage.upload(keys[0]!, Readable.from([Buffer.from("hello")]), { contentType: "text/plain" });
    const res = await fetch(storage.readUrl(keys[0]!));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello");
    // A key that needs escaping goes through the SDK and still works.
    const odd = "projects/with space/ü.txt";
    await storage.upload(odd, Readable.from([Buffer.from("odd")]), { contentType: "text/plain" });
    expect(await (await fetch(storage.readUrl(odd))).text()).toBe("odd");
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("are reused within their minute and signed anew, with the new expiry, in the next one", async () => {
    const container = BlobServiceClient.fromConnectionString(config.storageConnectionString).getContainerClient(config.AZURE_STORAGE_CONTAINER);
    const key = `projects/${randomBytes(16).toString("hex")}/videos/v.mp4`;
    const sdkAt = (minute: number) =>
      container.getBlobClient(key).generateSasUrl({
        permissions: BlobSASPermissions.parse("r"),
        startsOn: new Date(minute - 5 * 60_000),
        expiresOn: new Date(minute + config.STORAGE_SAS_TTL_SECONDS * 1000),
      });
    vi.useFakeTimers({ toFake: ["Date"] });
    const minute = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    vi.setSystemTime(minute + 1_000);
    const first = storage.readUrl(key);
    vi.setSystemTime(minute + 59_000);
    expect(storage.readUrl(key)).toBe(first);
    expect(first).toBe(await sdkAt(minute));
    vi.setSystemTime(minute + 60_000);
    const next = storage.readUrl(key);
    expect(next).not.toBe(first);
    expect(next).toBe(await sdkAt(minute + 60_000));
  });
});
