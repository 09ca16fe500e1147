// Photo uploads: every file is checked (count, size, real type by magic bytes) and normalized
// (src/photos/normalize.ts: decoded, oriented, metadata stripped, a plain JPEG) before any byte
// is stored; rows are written in one transaction only after all blobs exist. Any failure
// removes the blobs this call wrote. Originals are not kept: they carry the phone's metadata.
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { SignedInContext } from "../http/context.js";
import { toGlobalId } from "../ids.js";
import { AppError, ErrorCode, notFound } from "../errors.js";
import { findOwnedProject } from "./projects.js";
import { imageBlobKey } from "../storage/keys.js";
import { normalizePhoto, PhotoError, type NormalizedPhoto } from "../photos/normalize.js";

type Ctx = Pick<SignedInContext, "services" | "viewer">;

export type ImageType = "image/jpeg" | "image/png" | "image/webp";

/** Identifies JPEG, PNG and WebP from their first bytes; anything else is null. */
export function sniffImageType(head: Uint8Array): ImageType | null {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return "image/jpeg";
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b(i) === v)) return "image/png";
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  return null;
}

/** The first `n` bytes of a file. Reads from stream() because the File that yoga's multipart
 *  parser hands out (the @whatwg-node ponyfill) does not implement slice(). */
async function readHead(file: File, n: number): Promise<Uint8Array> {
  const reader = (file.stream() as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < n) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/** A Node stream of a file's bytes. Read through getReader() rather than Readable.fromWeb,
 *  which rejects the ponyfill ReadableStream of yoga's File. */
function fileReadable(file: File): Readable {
  const reader = (file.stream() as ReadableStream<Uint8Array>).getReader();
  return Readable.from(
    (async function* () {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
    })(),
  );
}

const EXTENSION: Record<ImageType, string> = { "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp" };

async function readAll(file: File): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of fileReadable(file)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** One file through sharp, or an error that names the file and says what is wrong with it. */
async function normalizeUpload(config: Ctx["services"]["config"], file: File, field: string): Promise<NormalizedPhoto> {
  try {
    return await normalizePhoto(await readAll(file), { minSide: config.PHOTO_MIN_SIDE, maxPixels: config.PHOTO_MAX_PIXELS, maxSide: config.PHOTO_MAX_SIDE });
  } catch (err) {
    if (!(err instanceof PhotoError)) throw err;
    const p = err.problem;
    if (p.kind === "too-small") {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        `${field}: "${file.name}" is ${p.width}×${p.height} pixels; photos need at least ${config.PHOTO_MIN_SIDE} pixels on the short side`,
        { field, minSide: config.PHOTO_MIN_SIDE },
      );
    }
    if (p.kind === "too-many-pixels") {
      throw new AppError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `${field}: "${file.name}" declares ${p.width}×${p.height} pixels; the limit is ${config.PHOTO_MAX_PIXELS} pixels`,
        { field, maxPixels: config.PHOTO_MAX_PIXELS },
      );
    }
    throw new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `${field}: "${file.name}" could not be decoded as an image (damaged or not really a JPEG, PNG or WebP)`, {
      field,
    });
  }
}

/** The last path segment without control characters and without bidirectional overrides
 *  (which make "gpj.exe" display as "exe.jpg"); NUL and lone surrogates cannot be stored. */
export function safeFileName(name: string, type: ImageType): string {
  const base = name
    .split(/[\\/]/)
    .pop()
    ?.replace(/[\u0000-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "")
    .trim()
    .slice(0, 200);
  return base || `image.${EXTENSION[type]}`;
}

export async function uploadProjectImages(ctx: Ctx, projectId: string, files: readonly File[]) {
  const { config, prisma, storage, log } = ctx.services;
  const project = await findOwnedProject(ctx, projectId);

  if (files.length === 0) throw new AppError(ErrorCode.BAD_USER_INPUT, "files: send at least one file", { field: "files" });
  if (files.length > config.UPLOAD_MAX_FILES) {
    throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `files: at most ${config.UPLOAD_MAX_FILES} files per upload`, {
      field: "files",
      limit: config.UPLOAD_MAX_FILES,
    });
  }
  const checked: { file: File; type: ImageType; index: number }[] = [];
  for (const [index, file] of files.entries()) {
    const field = `files.${index}`;
    if (file.size > config.UPLOAD_MAX_FILE_BYTES) {
      throw new AppError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `${field}: "${file.name}" is ${file.size} bytes; the limit is ${config.UPLOAD_MAX_FILE_BYTES} bytes`,
        { field, limit: config.UPLOAD_MAX_FILE_BYTES },
      );
    }
    const type = sniffImageType(await readHead(file, 16));
    if (!type) {
      throw new AppError(
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        `${field}: "${file.name}" is not a JPEG, PNG or WebP image`,
        { field, accepted: ["image/jpeg", "image/png", "image/webp"] },
      );
    }
    checked.push({ file, type, index });
  }
  // Decoded one at a time (memory stays at one photo), all before anything is stored.
  const normalized: { file: File; photo: NormalizedPhoto }[] = [];
  for (const { file, index } of checked) normalized.push({ file, photo: await normalizeUpload(config, file, `files.${index}`) });

  const written: string[] = [];
  try {
    const uploaded: { id: string; blobKey: string; fileName: string; contentType: ImageType; size: number }[] = [];
    for (const { file, photo } of normalized) {
      const id = randomUUID();
      const blobKey = imageBlobKey(project.id, id, EXTENSION[photo.contentType]);
      written.push(blobKey);
      const size = await storage.upload(blobKey, Readable.from([photo.bytes]), { contentType: photo.contentType, size: photo.bytes.length });
      uploaded.push({ id, blobKey, fileName: safeFileName(file.name, photo.contentType), contentType: photo.contentType, size });
    }
    return await prisma.$transaction(async (tx) => {
      // Lock the project row so concurrent uploads get consecutive, unique orders.
      const locked = await tx.$queryRaw<unknown[]>`SELECT 1 FROM projects WHERE id = ${project.id}::uuid FOR UPDATE`;
      // Deleted while the files were being stored: a plain NOT_FOUND, not a foreign-key error.
      if (locked.length === 0) throw notFound("project");
      const last = await tx.projectImage.aggregate({ where: { projectId: project.id }, _max: { order: true } });
      const start = (last._max.order ?? -1) + 1;
      await tx.projectImage.createMany({
        data: uploaded.map((u, i) => ({ ...u, projectId: project.id, order: start + i })),
      });
      return tx.projectImage.findMany({ where: { id: { in: uploaded.map((u) => u.id) } }, orderBy: { order: "asc" } });
    });
  } catch (err) {
    await Promise.all(
      written.map((key) =>
        storage.delete(key).catch((e: unknown) => log.warn({ err: e, key }, "could not remove blob of a failed upload")),
      ),
    );
    throw err;
  }
}

/** Removes one photo of the viewer's project (row first, then its blob); returns its id. */
export async function deleteProjectImage(ctx: Ctx, id: string): Promise<string> {
  const image = await ctx.services.prisma.projectImage.findFirst({ where: { id, project: { ownerId: ctx.viewer.id } } });
  if (!image) throw notFound("image");
  const { count } = await ctx.services.prisma.projectImage.deleteMany({ where: { id } });
  if (count === 0) throw notFound("image");
  await ctx.services.storage
    .delete(image.blobKey)
    .catch((err: unknown) => ctx.services.log.warn({ err, key: image.blobKey }, "could not delete an image blob"));
  return toGlobalId("ProjectImage", id);
}

/** Puts the project's photos in the order given (every photo of the project exactly once); the
 *  video uses them in this order. Returns the photos in their new order. */
export async function reorderProjectImages(ctx: Ctx, projectId: string, imageIds: readonly string[]) {
  const project = await findOwnedProject(ctx, projectId);
  return ctx.services.prisma.$transaction(async (tx) => {
    // The same lock uploads take, so an upload cannot slip an order in between.
    await tx.$queryRaw`SELECT 1 FROM projects WHERE id = ${project.id}::uuid FOR UPDATE`;
    const current = await tx.projectImage.findMany({ where: { projectId: project.id }, select: { id: true } });
    const ids = new Set(current.map((i) => i.id));
    if (imageIds.length !== ids.size || new Set(imageIds).size !== imageIds.length || imageIds.some((id) => !ids.has(id))) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `imageIds: list each of the project's ${ids.size} photos exactly once`, { field: "imageIds" });
    }
    // Two passes because (project_id, order) is unique: first out of the way, then into place.
    for (const [i, id] of imageIds.entries()) await tx.projectImage.update({ where: { id }, data: { order: -1 - i } });
    for (const [i, id] of imageIds.entries()) await tx.projectImage.update({ where: { id }, data: { order: i } });
    return tx.projectImage.findMany({ where: { projectId: project.id }, orderBy: { order: "asc" } });
  });
}
