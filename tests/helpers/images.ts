// Small but valid image files for upload tests, built in code (no fixture files on disk).
import sharp from "sharp";
import { makePng } from "../../sandbox/png.js";

// The sandbox's encoder: a gradient whose colours derive from the seed, so two seeds give two
// different files; its size grows with the area (128x128 is about 3.5 kB).
export { makePng };

// Small files (a few hundred bytes) that the photo minimum (200 px on the short side) accepts.
const flat = (format: "jpeg" | "png" | "webp", background: { r: number; g: number; b: number }) =>
  sharp({ create: { width: 240, height: 200, channels: 3, background } })[format]().toBuffer();

/** A 240x200 baseline JPEG. */
export const JPEG = await flat("jpeg", { r: 200, g: 120, b: 40 });
/** A 240x200 WebP. */
export const WEBP = await flat("webp", { r: 40, g: 120, b: 200 });
/** A 240x200 PNG. */
export const PNG = await flat("png", { r: 40, g: 200, b: 120 });

/** A 240x200 PNG whose colour derives from `seed` (two seeds, two different files). */
export const photoPng = (seed: number) => flat("png", { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 53) % 256 });
