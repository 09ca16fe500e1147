// The benchmark's dataset, written with plain SQL (seconds, not minutes): one owner with 200
// projects and 5,000 completed lyric -> song -> video chains, every song and video with its
// files in blob storage (so every list row signs its links), plus a second owner whose rows must
// never show up.
import pg from "pg";

export const DATASET = { projects: 200, chains: 5000 };

export async function seed(databaseUrl: string): Promise<{ ownerId: string }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const ownerId = "00000000-0000-4000-8000-00000000b001";
    const otherId = "00000000-0000-4000-8000-00000000b002";
    await db.query("BEGIN");
    await db.query(
      `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
       VALUES ($1, 'bench-owner@example.com', 'Bench Owner', 'x', now(), now()), ($2, 'bench-other@example.com', 'Other', 'x', now(), now())`,
      [ownerId, otherId],
    );
    await db.query(
      `INSERT INTO projects (id, owner_id, store_name, address, description, language, created_at, updated_at)
       SELECT md5('p' || g)::uuid, CASE WHEN g <= $2 THEN $1::uuid ELSE $3::uuid END, 'Store ' || g, g || ' Harbor Road',
              repeat('A cozy bakery by the sea. ', 8), 'EN', now() - g * interval '1 minute', now()
       FROM generate_series(1, $2 + 5) g`,
      [ownerId, DATASET.projects, otherId],
    );
    // Chain g belongs to project (g mod 200) + 1; five more chains go to the other owner.
    const project = `md5('p' || CASE WHEN g <= $1 THEN (g % $2) + 1 ELSE $2 + 1 END)::uuid`;
    const at = `now() - interval '1 day' + g * interval '1 second'`;
    const params = [DATASET.chains, DATASET.projects];
    await db.query(
      `INSERT INTO lyrics (id, project_id, status, progress, language, mood, title, text, model, created_at, updated_at, started_at, finished_at)
       SELECT md5('l' || g)::uuid, ${project}, 'COMPLETED', 100, 'EN', 'cozy', 'Jingle ' || g,
              repeat('Sunny side up, fresh bread in the morning light, ', 12), 'gpt-4o-mini', ${at}, ${at}, ${at}, ${at}
       FROM generate_series(1, $1 + 5) g`,
      params,
    );
    await db.query(
      `INSERT INTO songs (id, project_id, lyric_id, status, progress, style, title, provider_task_id, provider_track_id,
              blob_key, image_blob_key, content_type, size, duration, created_at, updated_at, started_at, finished_at)
       SELECT md5('s' || g)::uuid, ${project}, md5('l' || g)::uuid, 'COMPLETED', 100, 'acoustic pop', 'Song ' || g, 'task-' || g, 'track-' || g,
              'projects/' || ${project} || '/songs/' || md5('s' || g)::uuid || '/song.mp3',
              'projects/' || ${project} || '/songs/' || md5('s' || g)::uuid || '/cover.png',
              'audio/mpeg', 2400000, 62.5, ${at}, ${at}, ${at}, ${at}
       FROM generate_series(1, $1 + 5) g`,
      params,
    );
    await db.query(
      `INSERT INTO videos (id, project_id, song_id, status, progress, template_id, provider_render_id, blob_key, thumbnail_blob_key,
              content_type, size, duration, width, height, created_at, updated_at, started_at, finished_at)
       SELECT md5('v' || g)::uuid, ${project}, md5('s' || g)::uuid, 'COMPLETED', 100, 'template-1', 'render-' || g,
              'projects/' || ${project} || '/videos/' || md5('v' || g)::uuid || '/video.mp4',
              'projects/' || ${project} || '/videos/' || md5('v' || g)::uuid || '/thumbnail.jpg',
              'video/mp4', 9800000, 30, 1280, 720, ${at}, ${at}, ${at}, ${at}
       FROM generate_series(1, $1 + 5) g`,
      params,
    );
    await db.query("COMMIT");
    await db.query("ANALYZE");
    return { ownerId };
  } finally {
    await db.end();
  }
}
