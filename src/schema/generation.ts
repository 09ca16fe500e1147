// The Generation interface shared by Lyric, Song and Video.
import { kindOfRow, STAGES, type AnyRow } from "../generations/stages.js";
import { builder } from "./builder.js";
import { GenerationStatusEnum, GenerationKindEnum, GenerationErrorCodeEnum } from "./enums.js";
import { toGenerationErrorCode } from "../generations/error-codes.js";
import { ProjectRef } from "./project.js";

import { generationSelect } from "./generation-select.js";

/** What the interface's fields read: the selected columns of any of the three rows. */
type GenerationShape = Pick<AnyRow, keyof typeof generationSelect>;

// Annotated apart from implement(): the node types' files import each other through Project.
export const GenerationRef = builder.interfaceRef<GenerationShape>("Generation");

GenerationRef.implement({
  description: "A lyric, song or video being (or having been) generated.",
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (row) => STAGES[kindOfRow(row) ?? "LYRIC"].typename,
  fields: (t) => ({
    // Lyric, Song and Video answer their own kind (their rows may hold only some columns).
    kind: t.field({
      type: GenerationKindEnum,
      resolve: (row) => kindOfRow(row) ?? "LYRIC",
    }),
    // Lyric, Song and Video each implement this as a plugin-prisma relation (joined into the
    // query that loads them); this resolver only serves a row that reached the interface some
    // other way.
    project: t.field({
      type: ProjectRef,
      resolve: (row, _args, ctx) => ctx.services.prisma.project.findUniqueOrThrow({ where: { id: row.projectId } }),
    }),
    status: t.field({ type: GenerationStatusEnum, resolve: (row) => row.status }),
    progress: t.exposeInt("progress"),
    attempt: t.exposeInt("attempt", { description: "1 for the first run; retryGeneration adds one." }),
    error: t.string({
      nullable: true,
      description: "Why the generation failed or was cancelled, in words a user can read.",
      resolve: (row) => row.errorMessage,
    }),
    errorCode: t.field({
      type: GenerationErrorCodeEnum,
      nullable: true,
      description: "A stable code for the failure (see GenerationErrorCode); null unless FAILED or CANCELLED.",
      resolve: (row) => toGenerationErrorCode(row.errorCode),
    }),
    createdAt: t.field({ type: "DateTime", resolve: (row) => row.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (row) => row.updatedAt }),
    finishedAt: t.field({ type: "DateTime", nullable: true, resolve: (row) => row.finishedAt }),
  }),
});
