// The list roots (songs, videos, projects) read only the columns their query shows
// (src/schema/shown-columns.ts). What must hold: every field, asked alone in a list, answers
// what node(id) — which reads the type's columns — answers (a field that reads a column the
// pruning dropped would answer null), and a narrow list's one statement leaves the rest out.
import { getNamedType, isLeafType, isObjectType, type GraphQLObjectType } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.js";
import { signUp, useStatementCountingApi } from "../helpers/app.js";
import { ok, rowId } from "../helpers/gql.js";

const counted = useStatementCountingApi();
let token: string;

beforeAll(async () => {
  const { api } = counted;
  const prisma = api.app.services.prisma;
  const user = await signUp(api, "shown-columns");
  token = user.token;
  const project = await prisma.project.create({
    data: { ownerId: rowId(user.id), storeName: "Column Cafe", address: "1 Main St", description: "Coffee and cake", language: "EN", eventSequence: 7 },
  });
  const done = { status: "COMPLETED", progress: 100, finishedAt: new Date(), startedAt: new Date() } as const;
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", title: "Morning", text: "La la", mood: "cozy", style: "pop", ...done } });
  const song = await prisma.song.create({
    data: {
      projectId: project.id,
      lyricId: lyric.id,
      title: "Morning Song",
      style: "pop",
      duration: 31.5,
      blobKey: `projects/${project.id}/songs/a/audio.mp3`,
      imageBlobKey: `projects/${project.id}/songs/a/cover.jpg`,
      previewUrl: "https://cdn.example.com/stream/1",
      selectedTake: 0,
      ...done,
    },
  });
  await prisma.songTake.create({
    data: { songId: song.id, index: 0, title: "Take", duration: 31.5, blobKey: `projects/${project.id}/songs/a/audio.mp3`, providerTrackId: "t1", contentType: "audio/mpeg", size: 1000n },
  });
  await prisma.video.create({
    data: {
      projectId: project.id,
      songId: song.id,
      templateId: "tpl-1",
      duration: 15,
      width: 1080,
      height: 1920,
      blobKey: `projects/${project.id}/videos/a/video.mp4`,
      thumbnailBlobKey: `projects/${project.id}/videos/a/thumb.jpg`,
      ...done,
    },
  });
  await prisma.song.create({ data: { projectId: project.id, lyricId: lyric.id, status: "FAILED", errorCode: "SUNO_GENERATE_FAILED", errorMessage: "No song", attempt: 2 } });
});

/** A link's signature changes with the minute: compare links without it. */
const unsigned = (value: unknown): unknown =>
  typeof value === "string" && value.startsWith("http") ? value.split("?")[0] : Array.isArray(value) ? value.map(unsigned) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unsigned(v)])) : value;

/** `{ a b c }` for the leaf fields of an object type (one level of objects below it with theirs). */
function selectionOf(type: GraphQLObjectType, depth = 1): string[] {
  const out: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => a.type.toString().endsWith("!"))) continue;
    const target = getNamedType(field.type);
    if (isLeafType(target)) out.push(field.name);
    else if (depth > 0 && isObjectType(target) && !target.getFields()["edges"]) out.push(`${field.name} { ${selectionOf(target, 0).join(" ")} }`);
  }
  return out;
}

const gql = async <T,>(query: string) => ok(await counted.api.gql<T>(query, {}, token));

describe.each([
  ["songs", "Song"],
  ["videos", "Video"],
  ["projects", "Project"],
])("%s", (root, typename) => {
  const type = schema.getType(typename) as GraphQLObjectType;
  const list = (fields: string) => `{ ${root}(first: 10) { edges { node { id ${fields} } } } }`;
  type Nodes = Record<string, { edges: { node: Record<string, unknown> }[] }>;

  it("every field asked alone answers what node(id) answers, which reads the type's columns", async () => {
    const fields = selectionOf(type);
    const ids = (await gql<Nodes>(list("")))[root]!.edges.map((e) => e.node["id"] as string);
    expect(ids.length).toBeGreaterThan(0);
    const whole = await Promise.all(ids.map(async (id) => (await gql<{ node: Record<string, unknown> }>(`{ node(id: "${id}") { ... on ${typename} { ${fields.join(" ")} } } }`)).node));
    for (const field of fields) {
      const name = field.split(" ")[0]!;
      const alone = (await gql<Nodes>(list(field)))[root]!.edges.map((e) => e.node);
      expect(unsigned(alone.map((n) => n[name])), `${typename}.${field}`).toEqual(unsigned(whole.map((n) => n[name])));
    }
  });
});

it("a project's songs, videos and lyrics in the projects list: every field asked alone answers what node(id) answers", async () => {
  type Projects = { projects: { edges: { node: Record<string, { edges: { node: Record<string, unknown> }[] }> }[] } };
  for (const [connection, typename] of [["songs", "Song"], ["videos", "Video"], ["lyrics", "Lyric"]] as const) {
    const fields = selectionOf(schema.getType(typename) as GraphQLObjectType);
    const nested = (f: string) => `{ projects(first: 5) { edges { node { id ${connection}(first: 10) { edges { node { id ${f} } } } } } } }`;
    const rows = async (f: string) => (await gql<Projects>(nested(f))).projects.edges.flatMap((p) => p.node[connection]!.edges.map((e) => e.node));
    const ids = (await rows("")).map((n) => n["id"] as string);
    expect(ids.length).toBeGreaterThan(0);
    const whole = await Promise.all(ids.map(async (id) => (await gql<{ node: Record<string, unknown> }>(`{ node(id: "${id}") { ... on ${typename} { ${fields.join(" ")} } } }`)).node));
    for (const field of fields) {
      const name = field.split(" ")[0]!;
      expect(unsigned((await rows(field)).map((n) => n[name])), `Project.${connection} ${typename}.${field}`).toEqual(unsigned(whole.map((n) => n[name])));
    }
  }
});

it("a narrow list reads only the columns it shows, in one statement", async () => {
  const { statements } = counted;
  statements.length = 0;
  await gql(`{ songs(first: 10) { edges { node { id title project { storeName } } } } }`);
  const lists = statements.filter((s) => /FROM "public"\."songs"/.test(s));
  expect(lists).toHaveLength(1);
  const sql = lists[0]!;
  expect(sql).toMatch(/"title"/);
  expect(sql).toMatch(/"store_name"/);
  for (const column of ["blob_key", "image_blob_key", "preview_url", "error_message", "finished_at", "address", "event_sequence"]) expect(sql).not.toContain(`"${column}"`);

  statements.length = 0;
  await gql(`{ songs(first: 10) { edges { node { id audioUrl ... on Generation { error } } } } }`);
  const withUrl = statements.find((s) => /FROM "public"\."songs"/.test(s))!;
  expect(withUrl).toContain('"blob_key"');
  expect(withUrl).toContain('"error_message"');
  expect(withUrl).not.toContain('"preview_url"');
});
