import { doneWith, type Step } from "../runner.js";
import { complete } from "./common.js";

export const lyricStep: Step<"LYRIC"> = {
  start: { message: "Writing the lyrics", progress: 10 },
  run: async (deps, row) => {
    const project = await deps.prisma.project.findUniqueOrThrow({ where: { id: row.projectId } });
    const result = await deps.providers.lyrics.generate({
      storeName: project.storeName,
      address: project.address ?? "",
      description: project.description ?? "",
      language: row.language,
      mood: row.mood ?? undefined,
      style: row.style ?? undefined,
      extraPrompt: row.extraPrompt ?? undefined,
    });
    // Straight to COMPLETED: saving the text is this one write, so a "saving" step before it
    // would be an event (and a statement) that says nothing a client could wait for.
    return doneWith(await complete(deps, "LYRIC", row, { title: result.title, text: result.lyrics, model: result.model }, "Lyrics ready"));
  },
};
