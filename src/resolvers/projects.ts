import { z } from "zod";
import type { Context } from "../context.js";
import { requireViewer } from "../context.js";
import { notFound } from "../errors.js";
import { Language } from "../generated/prisma/enums.js";
import type { Prisma } from "../db/client.js";
import { decodeId, toGlobalId } from "./ids.js";
import { parseInput } from "./validate.js";
import { projectBlobPrefix } from "../storage/keys.js";

type Ctx = Pick<Context, "services" | "viewer" | "authFailure">;
/** The include/select Pothos plans for the requested fields. */
export type ProjectQuery = { include?: Prisma.ProjectInclude; select?: Prisma.ProjectSelect };

const storeName = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
const address = z.string().trim().max(300, "must be at most 300 characters");
const description = z.string().trim().max(2000, "must be at most 2000 characters");
const emptyToNull = (v: string | null | undefined) => (v === undefined ? undefined : v === null || v === "" ? null : v);

export const CreateProjectInput = z.object({
  storeName,
  address: address.nullish().transform(emptyToNull),
  description: description.nullish().transform(emptyToNull),
  language: z.enum(Language).nullish().transform((v) => v ?? Language.KO),
});

export const UpdateProjectInput = z.object({
  storeName: storeName.optional().refine((v) => v !== null, "cannot be null"),
  address: address.nullish().transform(emptyToNull),
  description: description.nullish().transform(emptyToNull),
  language: z.enum(Language).optional(),
});

/** The viewer's project, or NOT_FOUND — also when it exists but belongs to someone else. */
export async function findOwnedProject(ctx: Ctx, globalId: string, field = "id", query: ProjectQuery = {}) {
  const viewer = requireViewer(ctx);
  const id = decodeId(globalId, "Project", field);
  const project = await ctx.services.prisma.project.findFirst({ ...query, where: { id, ownerId: viewer.id } });
  if (!project) throw notFound("project");
  return project;
}

export async function createProject(ctx: Ctx, input: unknown, query: ProjectQuery = {}) {
  const viewer = requireViewer(ctx);
  const data = parseInput(CreateProjectInput, input);
  return ctx.services.prisma.project.create({ ...query, data: { ...data, ownerId: viewer.id } });
}

export async function updateProject(ctx: Ctx, globalId: string, input: unknown, query: ProjectQuery = {}) {
  const viewer = requireViewer(ctx);
  const id = decodeId(globalId, "Project", "id");
  const data = parseInput(UpdateProjectInput, input);
  // updateMany with the owner in the filter makes the check and the write one statement.
  const { count } = await ctx.services.prisma.project.updateMany({ where: { id, ownerId: viewer.id }, data });
  if (count === 0) throw notFound("project");
  return ctx.services.prisma.project.findUniqueOrThrow({ ...query, where: { id } });
}

export async function deleteProject(ctx: Ctx, globalId: string): Promise<string> {
  const viewer = requireViewer(ctx);
  const id = decodeId(globalId, "Project", "id");
  const { count } = await ctx.services.prisma.project.deleteMany({ where: { id, ownerId: viewer.id } });
  if (count === 0) throw notFound("project");
  // Rows are gone (cascade); the blobs are cleaned up after, best effort: an orphan blob is
  // harmless, while a row pointing at a deleted blob would not be.
  await ctx.services.storage
    .deletePrefix(projectBlobPrefix(id))
    .catch((err: unknown) => ctx.services.log.warn({ err, projectId: id }, "could not delete project blobs"));
  return toGlobalId("Project", id);
}
