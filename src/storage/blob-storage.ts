// Azure Blob Storage (Azurite locally) behind the few operations castad needs. Uploads are
// streamed in blocks so memory does not grow with file size; a small body of known length goes
// up in one request.
import { Readable, Transform, type TransformCallback } from "node:stream";
import {
  BlobSASPermissions,
  BlobServiceClient,
  RestError,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from "@azure/storage-blob";
import type { Config } from "../config.js";

interface UploadOptions {
  contentType: string;
  /** Uploads larger than this fail with BlobTooLargeError and leave no blob behind. */
  maxBytes?: number;
  onProgress?: (bytes: number) => void;
  /** The body's length, when known (a download's Content-Length, a buffer): a body of at most
   *  one block then goes up in one request. */
  size?: number;
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`file is larger than ${maxBytes} bytes`);
  }
}

/** A body longer than the size it was announced with (nothing is stored). */
export class BodyLengthError extends Error {
  constructor(readonly size: number) {
    super(`the body is longer than its announced ${size} bytes`);
  }
}

/** The whole (small) body in memory; refuses one longer than `size`. */
async function collect(stream: Readable, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > size) throw new BodyLengthError(size);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
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

/** Keys whose URL path is the key itself (no escaping): every key castad makes (storage/keys.ts). */
const PLAIN_KEY = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
const MINUTE = 60_000;

/**
 * Read-only SAS links without the SDK's per-link cost (~80 µs and a dozen objects per link, which
 * a list of 100 songs pays 200 times). A link's validity is rounded to the minute, so everything
 * but the blob's name — the string to sign around it, the query — is built once per minute; a
 * link is then one HMAC and one string. The result is the SDK's own link, character for
 * character: `connect` checks that once and falls back to the SDK if it ever differs.
 *
 * A link depends only on the key and the minute, so the minute's links are kept: a list read
 * again within the minute (a page refetched, other tabs, a subscription's refresh) reuses them
 * instead of computing 200 HMACs again (5 % of a 100-song list's CPU). At most LINKS_PER_MINUTE
 * are kept; past that the memo starts over, so memory stays bounded whatever the traffic.
 */
const LINKS_PER_MINUTE = 20_000;

class ReadLinkSigner {
  private minute = -1;
  private before = "";
  private after = "";
  private query = "";
  private links = new Map<string, string>();

  constructor(
    private readonly credential: StorageSharedKeyCredential,
    private readonly containerUrl: string,
    private readonly containerName: string,
    private readonly version: string,
    private readonly ttlSeconds: number,
  ) {}

  /** The signed link, or null for a key that needs escaping (the SDK handles those). */
  sign(key: string, now = Date.now()): string | null {
    const minute = Math.floor(now / MINUTE);
    if (minute !== this.minute) this.startMinute(minute);
    let link = this.links.get(key);
    if (link === undefined) {
      if (!PLAIN_KEY.test(key)) return null;
      const signature = this.credential.computeHMACSHA256(this.before + key + this.after);
      link = `${this.containerUrl}/${key}${this.query}${encodeURIComponent(signature)}`;
      if (this.links.size >= LINKS_PER_MINUTE) this.links.clear();
      this.links.set(key, link);
    }
    return link;
  }

  private startMinute(minute: number) {
    const { startsOn, expiresOn } = sasWindow(minute * MINUTE, this.ttlSeconds);
    const st = startsOn.toISOString().replace(/\.\d{3}Z$/, "Z");
    const se = expiresOn.toISOString().replace(/\.\d{3}Z$/, "Z");
    // The service SAS string to sign (version 2020-12-06 and later), blob resource, read only.
    this.before = ["r", st, se, `/blob/${this.credential.accountName}/${this.containerName}/`].join("\n");
    this.after = `\n${["", "", "", this.version, "b", "", "", "", "", "", "", ""].join("\n")}`;
    this.query = `?sv=${encodeURIComponent(this.version)}&st=${encodeURIComponent(st)}&se=${encodeURIComponent(se)}&sr=b&sp=r&sig=`;
    this.minute = minute;
    this.links.clear();
  }
}

/** Valid from 5 minutes before the current minute (clock skew) for the configured time. */
function sasWindow(minuteStart: number, ttlSeconds: number) {
  return { startsOn: new Date(minuteStart - 5 * MINUTE), expiresOn: new Date(minuteStart + ttlSeconds * 1000) };
}

export class BlobStorage {
  private signer: ReadLinkSigner | null = null;

  private constructor(
    private readonly container: ContainerClient,
    private readonly urlMode: Config["STORAGE_URL_MODE"],
    private readonly sasTtlSeconds: number,
  ) {
    const credential = container.credential;
    if (urlMode === "sas" && credential instanceof StorageSharedKeyCredential) {
      // The SDK's service version, from a link it signed; then check a fast link against it.
      const probe = "projects/probe/signer-check.bin";
      const at = Math.floor(Date.now() / MINUTE) * MINUTE;
      const expected = this.sdkReadUrl(probe, at);
      const version = new URL(expected).searchParams.get("sv");
      if (version && version >= "2020-12-06") {
        const signer = new ReadLinkSigner(credential, container.url, container.containerName, version, sasTtlSeconds);
        if (signer.sign(probe, at) === expected) this.signer = signer;
      }
    }
  }

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
    const headers = { blobHTTPHeaders: { blobContentType: opts.contentType } };
    try {
      if (opts.size !== undefined && opts.size <= BLOCK_SIZE) {
        // One request (Put Blob) instead of a block and its commit: half the requests, and half
        // the write operations Azure bills, for covers, thumbnails and photos. Memory: one block.
        await blob.uploadData(await collect(piped, opts.size), headers);
      } else {
        await blob.uploadStream(piped, BLOCK_SIZE, UPLOAD_CONCURRENCY, headers);
      }
    } catch (err) {
      source.destroy();
      // A failed block upload leaves only uncommitted blocks, which Azure discards; delete in
      // case an earlier version of the blob existed under this key only if we were replacing.
      // (Reading a too-long small body stops the counter too; its own error says less.)
      if (err instanceof BodyLengthError) throw err;
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

  /** Every blob under a prefix, with when it was last written. */
  async *list(prefix: string): AsyncIterable<{ name: string; lastModified: Date }> {
    for await (const item of this.container.listBlobsFlat({ prefix })) yield { name: item.name, lastModified: item.properties.lastModified };
  }

  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    for await (const item of this.container.listBlobsFlat({ prefix })) {
      await this.container.getBlobClient(item.name).deleteIfExists();
      n++;
    }
    return n;
  }

  /** readUrl for an optional blob: null while there is none. */
  readUrlOf(key: string | null): string | null {
    return key ? this.readUrl(key) : null;
  }

  /** A URL a browser can open: SAS with an expiry, or the plain URL of a public container.
   *  Rounded to the minute, so repeated reads within a request hand out the same URL. */
  readUrl(key: string): string {
    if (this.urlMode === "public") return this.container.getBlobClient(key).url;
    return this.signer?.sign(key) ?? this.sdkReadUrl(key, Math.floor(Date.now() / MINUTE) * MINUTE);
  }

  /** Whether links are signed by the fast path (false: the SDK signs each one). */
  get fastLinks(): boolean {
    return this.signer !== null;
  }

  /** The SDK's link (what BlobClient.generateSasUrl builds, without its promise). */
  private sdkReadUrl(key: string, minuteStart: number): string {
    const credential = this.container.credential;
    if (!(credential instanceof StorageSharedKeyCredential)) {
      throw new RangeError("SAS links need a shared-key credential (an account key in the connection string)");
    }
    const { startsOn, expiresOn } = sasWindow(minuteStart, this.sasTtlSeconds);
    const sas = generateBlobSASQueryParameters(
      { containerName: this.container.containerName, blobName: key, permissions: BlobSASPermissions.parse("r"), startsOn, expiresOn },
      credential,
    ).toString();
    return `${this.container.getBlobClient(key).url}?${sas}`;
  }
}
