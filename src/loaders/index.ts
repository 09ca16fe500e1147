// Per-request DataLoaders: a list of N songs asks for its N projects in one statement.
// Created fresh for every request (and subscription event) so nothing is cached across users.
import DataLoader from "dataloader";
import type { PrismaClient } from "../db/client.js";
import type { Lyric, Project, Song } from "../generated/prisma/client.js";

function byId<T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await load([...ids]);
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

export function createLoaders(prisma: PrismaClient) {
  return {
    project: byId<Project>((ids) => prisma.project.findMany({ where: { id: { in: ids } } })),
    lyric: byId<Lyric>((ids) => prisma.lyric.findMany({ where: { id: { in: ids } } })),
    song: byId<Song>((ids) => prisma.song.findMany({ where: { id: { in: ids } } })),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
