// Serves the built web app (web/dist) at `/`: files with their content type, hashed assets
// cached for a year, index.html never cached, and index.html for any other GET path that is not
// a file but one of the app's routes (so /projects/<id> survives a reload).
import { packagePath } from "../paths.js";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The web app's own routes (web/src/router.ts): answered with index.html so a reload or a
 *  shared link works; any other unknown path stays an honest 404. */
export const isAppRoute = (path: string) => path === "/" || path === "/signin" || path === "/signup" || /^\/projects(\/[^/]+)?\/?$/.test(path);

export const defaultWebRoot = () => packagePath("web", "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>castad</title>
<p>The web app is not built yet: run <code>npm run build:web</code> (npm install does it too).
The API is at <a href="/graphql">/graphql</a>.</p>`;

async function fileAt(path: string) {
  try {
    const s = await stat(path);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

export function staticHandler(root: string) {
  const base = normalize(root + sep);
  return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const candidate = normalize(join(base, decoded));
    const inside = candidate.startsWith(base);
    let path = inside ? candidate : null;
    let stats = path && !path.endsWith(sep) ? await fileAt(path) : null;
    const isAsset = decoded.startsWith("/assets/");
    if (!stats) {
      // A missing asset is a real 404 (an old tab asking for a replaced bundle must not get HTML).
      if (isAsset || !isAppRoute(decoded)) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found");
        return;
      }
      path = join(base, "index.html");
      stats = await fileAt(path);
      if (!stats) {
        res.writeHead(503, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(NOT_BUILT);
        return;
      }
    }
    const type = TYPES[extname(path!).toLowerCase()] ?? "application/octet-stream";
    res.writeHead(200, {
      "content-type": type,
      "content-length": stats.size,
      "x-content-type-options": "nosniff",
      "last-modified": stats.mtime.toUTCString(),
      // Vite puts a content hash in every asset name: those never change.
      "cache-control": isAsset ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    createReadStream(path!).pipe(res);
  };
}
