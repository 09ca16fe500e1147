// Photos from real phones and odd encoders, generated with sharp here: each is either refused at
// upload with a coded error that names the file, or stored as a plain sRGB JPEG without metadata
// (orientation applied) — and every accepted one then goes through a real render in the sandbox.
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upload } from "../helpers/gql.js";
import { startStack, isFinal, watchEvents, type Stack } from "../helpers/pipeline.js";
import { signUp } from "../helpers/app.js";
import { createProject } from "../helpers/gql.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { UPLOAD_MAX_FILE_BYTES: String(20 * 1024 * 1024) } });
});
afterAll(() => stack?.close());

const canvas = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 180, g: 90, b: 30 } } });

/** A real 300x200 PNG whose header then claims `w` x `h` (a decompression bomb's header). */
async function bombHeader(w: number, h: number): Promise<Buffer> {
  const png = Buffer.from(await canvas(300, 200).png().toBuffer());
  png.writeUInt32BE(w, 16);
  png.writeUInt32BE(h, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

interface Case {
  name: string;
  type: string;
  bytes: Buffer;
  /** null: accepted; else the expected code. */
  refused: string | null;
  /** Expected stored size when accepted. */
  stored?: [number, number];
}

async function cases(): Promise<Case[]> {
  const gps = { IFD3: { GPSLatitudeRef: "N", GPSLatitude: "37/1 33/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "126/1 58/1 0/1" } };
  const jpegBytes = await canvas(400, 300).jpeg().toBuffer();
  return [
    { name: "16-bit.png", type: "image/png", bytes: await canvas(320, 240).toColourspace("rgb16").png().toBuffer(), refused: null, stored: [320, 240] },
    { name: "grayscale.jpg", type: "image/jpeg", bytes: await canvas(320, 240).toColourspace("b-w").jpeg().toBuffer(), refused: null, stored: [320, 240] },
    { name: "cmyk.jpg", type: "image/jpeg", bytes: await canvas(320, 240).toColourspace("cmyk").jpeg().toBuffer(), refused: null, stored: [320, 240] },
    { name: "progressive.jpg", type: "image/jpeg", bytes: await canvas(320, 240).jpeg({ progressive: true }).toBuffer(), refused: null, stored: [320, 240] },
    // A phone held upright: stored pixels 300x200, EXIF orientation 6 (rotate 90°), and a GPS position.
    { name: "rotated-with-gps.jpg", type: "image/jpeg", bytes: await canvas(300, 200).withExif(gps).withMetadata({ orientation: 6 }).jpeg().toBuffer(), refused: null, stored: [200, 300] },
    { name: "transparent.png", type: "image/png", bytes: await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer(), refused: null, stored: [300, 300] },
    { name: "very-large.jpg", type: "image/jpeg", bytes: await canvas(6000, 4000).jpeg({ quality: 50 }).toBuffer(), refused: null, stored: [2560, 1707] },
    { name: "animated.webp", type: "image/webp", bytes: await sharp([await canvas(300, 200).png().toBuffer(), await canvas(300, 200).negate().png().toBuffer()], { join: { animated: true } }).webp().toBuffer(), refused: null, stored: [300, 200] },
    { name: "tiny.png", type: "image/png", bytes: await canvas(1, 1).png().toBuffer(), refused: "BAD_USER_INPUT" },
    { name: "thin.jpg", type: "image/jpeg", bytes: await canvas(1000, 150).jpeg().toBuffer(), refused: "BAD_USER_INPUT" },
    { name: "bomb.png", type: "image/png", bytes: await bombHeader(60_000, 60_000), refused: "PAYLOAD_TOO_LARGE" },
    { name: "truncated.jpg", type: "image/jpeg", bytes: jpegBytes.subarray(0, Math.floor(jpegBytes.length / 2)), refused: "UNSUPPORTED_MEDIA_TYPE" },
    { name: "gif.gif", type: "image/gif", bytes: await canvas(300, 200).gif().toBuffer(), refused: "UNSUPPORTED_MEDIA_TYPE" },
  ];
}

describe("odd photos", () => {
  it("each is refused with a coded error naming the file, or stored normalized; the accepted ones render", async () => {
    const user = await signUp(stack.api, "photos");
    const projectId = await createProject(stack.api, user.token, { storeName: "Odd Photos", language: "EN" });
    const accepted: string[] = [];
    for (const c of await cases()) {
      const t = performance.now();
      const res = await upload(stack.api, user.token, projectId, [{ name: c.name, type: c.type, bytes: c.bytes }]);
      const ms = performance.now() - t;
      const error = res.errors?.[0];
      const image = res.data?.uploadProjectImages[0];
      let stored = "";
      if (image) {
        const bytes = Buffer.from(await (await fetch(image.url)).arrayBuffer());
        const meta = await sharp(bytes).metadata();
        stored = `${meta.format} ${meta.width}x${meta.height} ${meta.space} exif=${meta.exif ? "yes" : "none"} ${bytes.length} B`;
        expect([meta.format, meta.space, meta.exif, meta.orientation]).toEqual(["jpeg", "srgb", undefined, undefined]);
        expect([meta.width, meta.height]).toEqual(c.stored);
        accepted.push(c.name);
      }
      console.log(`[photos] ${c.name.padEnd(22)} ${String(c.bytes.length).padStart(8)} B -> ${error ? `${error.extensions?.code}: ${error.message}` : stored} (${ms.toFixed(0)} ms)`);
      if (c.refused) {
        expect(error?.extensions?.code, c.name).toBe(c.refused);
        expect(error?.message).toContain(c.name);
        expect(error?.extensions?.field).toBe("files.0");
      } else {
        expect(error, c.name).toBeUndefined();
      }
    }

    // Every accepted photo goes into one real render.
    const watch = await watchEvents(stack, Buffer.from(projectId, "base64").toString().split(":")[1]!);
    const t = performance.now();
    const run = await stack.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`, { p: projectId }, user.token);
    expect(run.errors).toBeUndefined();
    const final = await watch.until((e) => e.kind === "VIDEO" && isFinal(e));
    await watch.stop();
    console.log(`[photos] video of ${accepted.length} accepted photos: ${final.status} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    expect(final.status, final.message ?? "").toBe("COMPLETED");
  });
});
