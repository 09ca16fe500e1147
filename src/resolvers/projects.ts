// Projects: the viewer's stores. Plain functions of (ctx, typed args) that the schema calls in
// one line and tests call directly; input is validated here, once.
import { z } from "zod";
import type { SignedInContext } from "../http/context.js";
import { notFound, unauthenticated } from "../errors.js";
import { Language } from "../generated/prisma/enums.js";
import { Prisma } from "../db/client.js";
import { toGlobalId } from "../ids.js";
import { parseInput } from "./validate.js";
import { projectBlobPrefix } from "../storage/keys.js";

type Ctx = Pick<SignedInContext, "services" | "viewer">;
/** The include/select Pothos plans for the requested fields. */
export type ProjectQuery = { include?: Prisma.ProjectInclude; select?: Prisma.ProjectSelect };

/** Input limits, also quoted in the schema's descriptions. */
export const PROJECT_LIMITS = { storeName: 100, address: 300, description: 2000 } as const;

const storeName = z.string().trim().min(1, "must not be empty").max(PROJECT_LIMITS.storeName, `must be at most ${PROJECT_LIMITS.storeName} characters`);
const address = z.string().trim().max(PROJECT_LIMITS.address, `must be at most ${PROJECT_LIMITS.address} characters`);
const description = z.string().trim().max(PROJECT_LIMITS.description, `must be at most ${PROJECT_LIMITS.description} characters`);
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

const newestFirst = [{ createdAt: "desc" as const }, { id: "desc" as const }];

/** The viewer's projects, newest first (Pothos adds the page window to `query`). */
export function viewerProjects(ctx: Ctx, query: Omit<Prisma.ProjectFindManyArgs, "where" | "orderBy">) {
  return ctx.services.prisma.project.findMany({ ...query, where: { ownerId: ctx.viewer.id }, orderBy: newestFirst });
}

export const countViewerProjects = (ctx: Ctx) => ctx.services.prisma.project.count({ where: { ownerId: ctx.viewer.id } });

/** The viewer's project, or NOT_FOUND — also when it exists but belongs to someone else. */
export async function findOwnedProject(ctx: Ctx, id: string, query: ProjectQuery = {}) {
  const project = await ctx.services.prisma.project.findFirst({ ...query, where: { id, ownerId: ctx.viewer.id } });
  if (!project) throw notFound("project");
  return project;
}

export async function createProject(ctx: Ctx, input: unknown, query: ProjectQuery = {}) {
  const data = parseInput(CreateProjectInput, input);
  try {
    return await ctx.services.prisma.project.create({ ...query, data: { ...data, ownerId: ctx.viewer.id } });
  } catch (err) {
    // A validly signed token whose user was deleted: the owner foreign key has nothing to point at.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2003") throw unauthenticated("the account of this token no longer exists: sign in again");
    throw err;
  }
}

export async function updateProject(ctx: Ctx, id: string, input: unknown, query: ProjectQuery = {}) {
  const data = parseInput(UpdateProjectInput, input);
  // updateMany with the owner in the filter makes the check and the write one statement.
  const { count } = await ctx.services.prisma.project.updateMany({ where: { id, ownerId: ctx.viewer.id }, data });
  if (count === 0) throw notFound("project");
  return ctx.services.prisma.project.findUniqueOrThrow({ ...query, where: { id } });
}

/** Deletes the project with its photos and generations; returns its global id. */
export async function deleteProject(ctx: Ctx, id: string): Promise<string> {
  const { count } = await ctx.services.prisma.project.deleteMany({ where: { id, ownerId: ctx.viewer.id } });
  if (count === 0) throw notFound("project");
  // Rows are gone (cascade); the blobs are cleaned up after, best effort: an orphan blob is
  // harmless, while a row pointing at a deleted blob would not be.
  await ctx.services.storage
    .deletePrefix(projectBlobPrefix(id))
    .catch((err: unknown) => ctx.services.log.warn({ err, projectId: id }, "could not delete project blobs"));
  return toGlobalId("Project", id);
}
