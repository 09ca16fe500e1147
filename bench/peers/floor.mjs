// The floor for lists: `pg` + node:http, one json_agg statement per list, the answer written as
// Postgres rendered it. Same rows, same ownership filter, no GraphQL.
import { createServer } from "node:http";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL ?? 10) });
const owner = process.env.BENCH_OWNER_ID;
const LISTS = {
  "/songs": `SELECT json_build_object('data', json_build_object('songs', coalesce(json_agg(x), '[]')))::text FROM (
      SELECT s.id, s.title, s.blob_key AS "audioUrl", s.created_at AS "createdAt",
        json_build_object('id', p.id, 'storeName', p.store_name) AS project,
        (SELECT json_build_object('id', l.id, 'title', l.title) FROM lyrics l WHERE l.id = s.lyric_id) AS lyric
      FROM songs s JOIN projects p ON p.id = s.project_id
      WHERE p.owner_id = $1 ORDER BY s.created_at DESC, s.id DESC LIMIT $2) x`,
  "/videos": `SELECT json_build_object('data', json_build_object('videos', coalesce(json_agg(x), '[]')))::text FROM (
      SELECT v.id, v.blob_key AS "videoUrl", v.thumbnail_blob_key AS "thumbnailUrl", v.created_at AS "createdAt",
        json_build_object('id', p.id, 'storeName', p.store_name) AS project,
        (SELECT json_build_object('id', s.id, 'title', s.title) FROM songs s WHERE s.id = v.song_id) AS song
      FROM videos v JOIN projects p ON p.id = v.project_id
      WHERE p.owner_id = $1 ORDER BY v.created_at DESC, v.id DESC LIMIT $2) x`,
  "/projects": `SELECT json_build_object('data', json_build_object('projects', coalesce(json_agg(x), '[]')))::text FROM (
      SELECT p.id, p.store_name AS "storeName",
        (SELECT coalesce(json_agg(s), '[]') FROM (SELECT s.id, s.title, s.blob_key AS "audioUrl" FROM songs s
           WHERE s.project_id = p.id ORDER BY s.created_at DESC, s.id DESC) s) AS songs,
        (SELECT coalesce(json_agg(v), '[]') FROM (SELECT v.id FROM videos v
           WHERE v.project_id = p.id ORDER BY v.created_at DESC, v.id DESC) v) AS videos
      FROM projects p WHERE p.owner_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2) x`,
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/ready") return void res.end('{"status":"ok"}');
  const text = LISTS[url.pathname];
  if (!text) return void res.writeHead(404).end();
  req.resume();
  req.on("end", () => {
    pool.query({ text, values: [owner, Number(url.searchParams.get("first") ?? 100)], rowMode: "array" }).then(
      (r) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(r.rows[0][0]);
      },
      (err) => {
        res.writeHead(500).end(String(err));
      },
    );
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
