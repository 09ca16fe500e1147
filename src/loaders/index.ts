// Per-request DataLoaders for what plugin-prisma's relations do not cover: a list of N songs
// asks for its takes in one statement instead of N.
// Batching only, no cache: a subscription's context lives as long as the subscription, and a
// cached answer would go stale between its events.
import DataLoader from "dataloader";
import type { PrismaClient } from "../db/client.js";
import type { SongTake } from "../generated/prisma/client.js";

/** A loader of the rows that belong to each key, in the order `load` returns them. */
function groupedBy<T, K extends keyof T & string>(key: K, load: (keys: string[]) => Promise<T[]>) {
  return new DataLoader<string, T[]>(
    async (keys) => {
      const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
      for (const row of await load([...keys])) groups.get(String(row[key]))?.push(row);
      return keys.map((k) => groups.get(k) ?? []);
    },
    { cache: false },
  );
}

/** A context's loaders, each made on first use: most requests, and every subscription (whose
 *  context lives as long as it does), never load through one. */
export class Loaders {
  #songTakes: DataLoader<string, SongTake[]> | undefined;
  constructor(private readonly prisma: PrismaClient) {}

  /** A song's takes, by song id, in take order. */
  get songTakes() {
    return (this.#songTakes ??= groupedBy<SongTake, "songId">("songId", (songIds) =>
      this.prisma.songTake.findMany({ where: { songId: { in: songIds } }, orderBy: [{ songId: "asc" }, { index: "asc" }] }),
    ));
  }
}
