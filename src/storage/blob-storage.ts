// Azure Blob Storage (Azurite locally) behind the few operations castad needs. Uploads are
// streamed in blocks so memory does not grow with file size.
import { Readable, Transform, type TransformCallback } from "node:stream";
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  type ContainerClient,
} from "@azure/storage-blob";
import type { Config } from "../config.js";

export interface UploadOptions {
  contentType: string;
  /** Uploads larger than this fail with BlobTooLargeError and leave no blob behind. */
  maxBytes?: number;
  onProgress?: (bytes: number) => void;
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`file is larger than ${maxBytes} bytes`);
  }
}

/** Counts bytes as they pass and aborts once a limit is crossed. */
class ByteCounter extends Transform {
  bytes = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly onProgress?: (bytes: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return cb(new BlobTooLargeError(this.maxBytes));
    this.onProgress?.(this.bytes);
    cb(null, chunk);
  }
}

// Memory per upload is about (concurrency + 1) blocks, whatever the file size.
const BLOCK_SIZE = 2 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 2;

export class BlobStorage {
  private constructor(
    private readonly container: ContainerClient,
    private readonly urlMode: Config["STORAGE_URL_MODE"],
    private readonly sasTtlSeconds: number,
  ) {}

  static async connect(config: Pick<Config, "storageConnectionString" | "AZURE_STORAGE_CONTAINER" | "STORAGE_URL_MODE" | "STORAGE_SAS_TTL_SECONDS">) {
    const service = BlobServiceClient.fromConnectionString(config.storageConnectionString);
    const container = service.getContainerClient(config.AZURE_STORAGE_CONTAINER);
    await container.createIfNotExists(config.STORAGE_URL_MODE === "public" ? { access: "blob" } : {});
    return new BlobStorage(container, config.STORAGE_URL_MODE, config.STORAGE_SAS_TTL_SECONDS);
  }

  /** Streams `source` into blob `key` (overwriting). Returns the number of bytes written. */
  async upload(key: string, source: Readable, opts: UploadOptions): Promise<number> {
    const counter = new ByteCounter(opts.maxBytes ?? Number.MAX_SAFE_INTEGER, opts.onProgress);
    source.once("error", (err) => counter.destroy(err));
    const piped = source.pipe(counter);
    const blob = this.container.getBlockBlobClient(key);
    try {
      await blob.uploadStream(piped, BLOCK_SIZE, UPLOAD_CONCURRENCY, {
        blobHTTPHeaders: { blobContentType: opts.contentType },
      });
    } catch (err) {
      source.destroy();
      // A failed block upload leaves only uncommitted blocks, which Azure discards; delete in
      // case an earlier version of the blob existed under this key only if we were replacing.
      throw counter.errored ?? err;
    }
    if (counter.errored) throw counter.errored;
    return counter.bytes;
  }

  async download(key: string): Promise<Readable> {
    const res = await this.container.getBlobClient(key).download();
    if (!res.readableStreamBody) throw new Error("blob download returned no body");
    return res.readableStreamBody as Readable;
  }

  async properties(key: string): Promise<{ size: number; contentType: string | undefined } | null> {
    try {
      const p = await this.container.getBlobClient(key).getProperties();
      return { size: p.contentLength ?? 0, contentType: p.contentType };
    } catch (err) {
      if (err instanceof RestError && err.statusCode === 404) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.container.getBlobClient(key).deleteIfExists();
  }

  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    for await (const item of this.container.listBlobsFlat({ prefix })) {
      await this.container.getBlobClient(item.name).deleteIfExists();
      n++;
    }
    return n;
  }

  /** A URL a browser can open: SAS with an expiry, or the plain URL of a public container. */
  async readUrl(key: string): Promise<string> {
    const blob = this.container.getBlobClient(key);
    if (this.urlMode === "public") return blob.url;
    // Rounded to the minute so that repeated reads within a request hand out the same URL.
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    return blob.generateSasUrl({
      permissions: BlobSASPermissions.parse("r"),
      startsOn: new Date(now - 5 * 60_000),
      expiresOn: new Date(now + this.sasTtlSeconds * 1000),
    });
  }
}
