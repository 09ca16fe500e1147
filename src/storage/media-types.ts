// File names and content types for copied provider files. Providers often serve their files as
// application/octet-stream, and Creatomate is handed our copies: a blob named `audio.mp3` with
// `audio/mpeg` is read as what it is by anyone, an extension-less octet-stream is not.
const TYPES: Record<string, string> = {
  mp3: "audio/mpeg",
  wav: "audio/wav",
  m4a: "audio/mp4",
  ogg: "audio/ogg",
  flac: "audio/flac",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  mp4: "video/mp4",
};

/** `base.ext` and its content type, the extension taken from the URL's path (a known media
 *  extension) or else `fallback`. */
export function mediaFile(base: string, url: string, fallback: keyof typeof TYPES): { file: string; contentType: string } {
  let ext: string = fallback;
  try {
    const m = /\.([a-z0-9]{2,4})$/i.exec(new URL(url).pathname);
    if (m && TYPES[m[1]!.toLowerCase()]) ext = m[1]!.toLowerCase();
  } catch {
    // not a URL: the fallback
  }
  return { file: `${base}.${ext}`, contentType: TYPES[ext]! };
}
