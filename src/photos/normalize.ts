// Every uploaded photo is decoded and re-encoded with sharp (libvips) before it is stored:
// EXIF orientation applied, colour converted to sRGB (CMYK, grayscale, 16-bit and palette images
// alike), transparency flattened onto white, the first frame of an animation, downscaled to at
// most `maxSide`, saved as a baseline JPEG without any metadata (phones put GPS positions in
// EXIF). What the renderer and the providers get is thus always one ordinary kind of file.
// Refused before decoding: files that declare more than `maxPixels` (decompression bombs);
// after reading the header: anything libvips cannot decode, or smaller than `minSide`.
import type { Metadata } from "sharp";

let loading: Promise<typeof import("sharp").default> | undefined;
/** sharp (libvips: ~28 MB resident) is loaded with the first photo, not at every process start.
 *  Decoded images are not kept around between requests; one libvips thread per image keeps a
 *  burst of uploads from taking every core. */
function loadSharp() {
  return (loading ??= import("sharp").then(({ default: sharp }) => {
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  }));
}

export interface PhotoLimits {
  minSide: number;
  maxPixels: number;
  maxSide: number;
}

export type PhotoProblem =
  | { kind: "undecodable" }
  | { kind: "too-small"; width: number; height: number }
  | { kind: "too-many-pixels"; width: number; height: number };

export class PhotoError extends Error {
  constructor(readonly problem: PhotoProblem) {
    super(problem.kind);
  }
}

export interface NormalizedPhoto {
  bytes: Buffer;
  width: number;
  height: number;
  contentType: "image/jpeg";
}

export async function normalizePhoto(input: Buffer, limits: PhotoLimits): Promise<NormalizedPhoto> {
  const sharp = await loadSharp();
  // limitInputPixels also guards the decode itself; failOn "error" refuses truncated files
  // rather than rendering half a picture.
  const open = () => sharp(input, { limitInputPixels: limits.maxPixels, failOn: "error", animated: false });
  let meta: Metadata;
  try {
    // The header only (no limit here, so that a bomb is reported as one, with its size).
    meta = await sharp(input, { limitInputPixels: false, animated: false }).metadata();
  } catch {
    throw new PhotoError({ kind: "undecodable" });
  }
  const pageHeight = meta.pageHeight ?? meta.height;
  if (!meta.width || !pageHeight) throw new PhotoError({ kind: "undecodable" });
  // Orientations 5-8 are rotated by 90°: width and height swap once applied.
  const [width, height] = (meta.orientation ?? 1) >= 5 ? [pageHeight, meta.width] : [meta.width, pageHeight];
  if (width * height > limits.maxPixels) throw new PhotoError({ kind: "too-many-pixels", width, height });
  if (Math.min(width, height) < limits.minSide) throw new PhotoError({ kind: "too-small", width, height });
  try {
    const { data, info } = await open()
      .rotate() // EXIF orientation
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .resize({ width: limits.maxSide, height: limits.maxSide, fit: "inside", withoutEnlargement: true })
      .jpeg({ quality: 85, progressive: false, chromaSubsampling: "4:2:0" })
      .timeout({ seconds: 30 })
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.height, contentType: "image/jpeg" };
  } catch {
    throw new PhotoError({ kind: "undecodable" });
  }
}
