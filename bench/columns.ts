// What the columns a list reads cost in this process: the songs list's query through Prisma, once
// with the columns castad's types select (every row reads its type's whole `select`, relations
// included: src/schema/generation-select.ts) and once with only the columns the bench's songs
// query shows (id, title, audioUrl, createdAt, project { id storeName }, lyric { id title }).
// Same rows, order and single statement; CPU per findMany of 101 rows, alternating.
import type { PrismaClient } from "../src/db/client.js";
import { lyricSelect, projectSelect, songSelect } from "../src/schema/generation-select.js";
import { ms, ratio, table } from "./lib.js";

const TYPES = { ...songSelect, lyricId: true, project: { select: projectSelect }, lyric: { select: lyricSelect } };
const SHOWN = {
  id: true,
  projectId: true,
  lyricId: true,
  createdAt: true,
  title: true,
  blobKey: true,
  project: { select: { id: true, storeName: true } },
  lyric: { select: { id: true, title: true } },
};

export async function runColumns(prisma: PrismaClient, ownerId: string, rounds = 3, perRound = 200): Promise<string> {
  const list = (select: typeof TYPES | typeof SHOWN) =>
    prisma.song.findMany({ select, where: { project: { ownerId } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 101 });
  const cpu: Record<"types" | "shown", number[]> = { types: [], shown: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, select] of round % 2 === 0 ? ([["types", TYPES], ["shown", SHOWN]] as const) : ([["shown", SHOWN], ["types", TYPES]] as const)) {
      for (let i = 0; i < 20; i++) await list(select); // warm-up
      const t0 = process.cpuUsage();
      for (let i = 0; i < perRound; i++) await list(select);
      const used = process.cpuUsage(t0);
      cpu[name].push((used.user + used.system) / 1000 / perRound);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [types, shown] = [med(cpu.types), med(cpu.shown)];
  return table(
    ["songs(first:100) + project, lyric through Prisma", "values per row", "CPU per findMany (median)", "vs shown"],
    [
      ["columns of castad's types (what castad reads)", String(Object.keys(songSelect).length + 1 + Object.keys(projectSelect).length + Object.keys(lyricSelect).length), ms(types), ratio(types, shown)],
      ["only the columns the query shows", "10", ms(shown), "1.00×"],
    ],
  );
}
