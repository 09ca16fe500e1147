// Song.project, Song.lyric (and Lyric.project), Video.project and Video.song (and its project) are
// plugin-prisma relations that Prisma joins into the list's query: one SQL statement per root
// list, whatever its length and however deep the relations go. Song.takes comes from a
// DataLoader (src/loaders): one more statement for the whole list.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestApi, type TestApi } from "../helpers/app.js";
import { checked, globalId, ok, rowId } from "../helpers/gql.js";

let statements: string[] = [];
let api: TestApi;
beforeAll(async () => {
  // The outage monitor's periodic health probe (SELECT 1) is not part of any request.
  api = checked(await startTestApi({ onQuery: (sql) => sql.trim() === "SELECT 1" || statements.push(sql) }));
});
afterAll(() => api?.close());

const SONGS = `query($first: Int!) {
  songs(first: $first) { edges { node { id project { id storeName } lyric { id project { id } } } } }
}`;
const VIDEOS = `query($first: Int!) {
  videos(first: $first) { edges { node { id project { id } song { id project { id } } } } }
}`;
type Songs = { songs: { edges: { node: { id: string; project: { id: string; storeName: string }; lyric: { id: string; project: { id: string } } | null } }[] } };
type Videos = {
  videos: { edges: { node: { id: string; project: { id: string }; song: { id: string; project: { id: string } } | null } }[] };
};

/** Adds `count` completed lyric -> song -> video chains spread over `projectIds`. */
async function addChains(projectIds: string[], count: number, offset: number) {
  const prisma = api.app.services.prisma;
  const base = Date.now() - 3_600_000;
  const chains = Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    return {
      projectId: projectIds[n % projectIds.length]!,
      lyricId: randomUUID(),
      songId: randomUUID(),
      videoId: randomUUID(),
      createdAt: new Date(base + n * 1000),
    };
  });
  const common = { status: "COMPLETED" as const, progress: 100 };
  await prisma.lyric.createMany({
    data: chains.map((c) => ({ ...common, id: c.lyricId, projectId: c.projectId, language: "KO" as const, text: "la la", createdAt: c.createdAt })),
  });
  await prisma.song.createMany({
    data: chains.map((c) => ({ ...common, id: c.songId, projectId: c.projectId, lyricId: c.lyricId, createdAt: c.createdAt })),
  });
  await prisma.video.createMany({
    data: chains.map((c) => ({ ...common, id: c.videoId, projectId: c.projectId, songId: c.songId, createdAt: c.createdAt })),
  });
  return chains;
}

async function counted<T>(query: string, variables: Record<string, unknown>, token: string) {
  statements = [];
  const data = ok(await api.gql<T>(query, variables, token));
  return { data, statements: [...statements] };
}

describe("lists in one statement", () => {
  it("songs and videos lists with their relations are one SQL statement for 5 and for 100 rows", async () => {
    const user = await signUp(api, "batch");
    const other = await signUp(api, "other");
    const prisma = api.app.services.prisma;
    const projectIds: string[] = Array.from({ length: 4 }, () => randomUUID());
    await prisma.project.createMany({
      data: projectIds.map((id, i) => ({ id, ownerId: rowId(user.id), storeName: `Store ${i}` })),
    });
    // Someone else's chain must never show up in this user's lists.
    const foreignProject = randomUUID();
    await prisma.project.create({ data: { id: foreignProject, ownerId: rowId(other.id), storeName: "Other" } });
    await addChains([foreignProject], 1, 0);

    const chains = await addChains(projectIds, 5, 0);
    expect(chains.map((c) => c.projectId).sort()).toEqual([...projectIds, projectIds[0]!].sort());
    const small = {
      songs: await counted<Songs>(SONGS, { first: 5 }, user.token),
      videos: await counted<Videos>(VIDEOS, { first: 5 }, user.token),
    };
    chains.push(...(await addChains(projectIds, 95, 5)));
    const large = {
      songs: await counted<Songs>(SONGS, { first: 100 }, user.token),
      videos: await counted<Videos>(VIDEOS, { first: 100 }, user.token),
    };

    // The answers are right: newest first, each with its own project, lyric and song.
    for (const [run, n] of [[small, 5], [large, 100]] as const) {
      const byNewest = chains.slice(0, n).reverse();
      const songs = run.songs.data.songs.edges.map((e) => e.node);
      expect(songs.map((s) => s.id)).toEqual(byNewest.slice(0, n).map((c) => globalId("Song", c.songId)));
      for (const [i, s] of songs.entries()) {
        const c = byNewest[i]!;
        expect(s.project.id).toBe(globalId("Project", c.projectId));
        expect(s.project.storeName).toBe(`Store ${projectIds.indexOf(c.projectId)}`);
        expect(s.lyric?.id).toBe(globalId("Lyric", c.lyricId));
        expect(s.lyric?.project.id).toBe(globalId("Project", c.projectId));
      }
      const videos = run.videos.data.videos.edges.map((e) => e.node);
      expect(videos.map((v) => v.id)).toEqual(byNewest.slice(0, n).map((c) => globalId("Video", c.videoId)));
      for (const [i, v] of videos.entries()) {
        const c = byNewest[i]!;
        expect(v.project.id).toBe(globalId("Project", c.projectId));
        expect(v.song?.id).toBe(globalId("Song", c.songId));
        expect(v.song?.project.id).toBe(globalId("Project", c.projectId));
      }
    }

    // The point: the statement count does not depend on the number of rows, and is small.
    expect(large.songs.statements.length, large.songs.statements.join("\n")).toBe(small.songs.statements.length);
    expect(large.videos.statements.length, large.videos.statements.join("\n")).toBe(small.videos.statements.length);
    expect(small.songs.statements.length, small.songs.statements.join("\n")).toBe(1);
    expect(small.videos.statements.length, small.videos.statements.join("\n")).toBe(1);
    // ... and it still filters by owner (the other user's chain is never in the answer, above).
    expect(large.songs.statements[0]).toMatch(/"owner_id" = \$/);
  });

  it("long columns (a lyric's text, a project's description) are read only when a query asks for them", async () => {
    const user = await signUp(api, "columns");
    const prisma = api.app.services.prisma;
    const projectId = randomUUID();
    await prisma.project.create({ data: { id: projectId, ownerId: rowId(user.id), storeName: "Columns", description: "A long story" } });
    await addChains([projectId], 3, 0);
    const short = await counted<Songs>(SONGS, { first: 3 }, user.token);
    const LONG = `{ songs(first: 3) { edges { node { title lyric { title text } project { storeName description } } } } }`;
    type Long = { songs: { edges: { node: { lyric: { text: string | null }; project: { description: string | null } } }[] } };
    const long = await counted<Long>(LONG, {}, user.token);

    expect(short.statements).toHaveLength(1);
    expect(short.statements[0]).not.toMatch(/"text"|"description"/);
    expect(long.statements).toHaveLength(1);
    expect(long.statements[0]).toMatch(/"text"/);
    expect(long.statements[0]).toMatch(/"description"/);
    for (const e of long.data.songs.edges) {
      expect(e.node.lyric.text).toBe("la la");
      expect(e.node.project.description).toBe("A long story");
    }
  });

  it("the takes of a list of songs are one more statement, for 5 and for 100 songs", async () => {
    const user = await signUp(api, "takes");
    const prisma = api.app.services.prisma;
    const projectId = randomUUID();
    await prisma.project.create({ data: { id: projectId, ownerId: rowId(user.id), storeName: "Takes" } });
    const chains = await addChains([projectId], 100, 0);
    await prisma.songTake.createMany({
      data: chains.flatMap((c) =>
        [0, 1].map((index) => ({ songId: c.songId, index, providerTrackId: `t-${c.songId}-${index}`, blobKey: `k/${c.songId}/${index}`, contentType: "audio/mpeg", size: 1n })),
      ),
    });
    const TAKES = `query($first: Int!) { songs(first: $first) { edges { node { id takes { index } } } } }`;
    type Takes = { songs: { edges: { node: { id: string; takes: { index: number }[] } }[] } };
    const small = await counted<Takes>(TAKES, { first: 5 }, user.token);
    const large = await counted<Takes>(TAKES, { first: 100 }, user.token);
    for (const run of [small, large]) {
      for (const e of run.data.songs.edges) expect(e.node.takes.map((t) => t.index)).toEqual([0, 1]);
    }
    expect(large.data.songs.edges).toHaveLength(100);
    expect(small.statements.length, small.statements.join("\n")).toBe(2);
    expect(large.statements.length, large.statements.join("\n")).toBe(2);
  });
});
