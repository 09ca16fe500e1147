// The Project node, its root fields (project, projects) and its mutations.
import { NOBODY } from "../auth/ownership.js";
import { countViewerProjects, createProject, deleteProject, findOwnedProject, PROJECT_LIMITS, updateProject, viewerProjects } from "../resolvers/projects.js";
import { builder } from "./builder.js";
import { shownColumns } from "./shown-columns.js";
import { LanguageEnum } from "./enums.js";
import { projectSelect } from "./generation-select.js";

/** Order of a project's lyrics, songs, videos and ad runs: newest first. */
export const NEWEST_FIRST = { orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }] };

export const ProjectRef = builder.prismaNode("Project", {
  id: { field: "id" },
  // Only the viewer's own projects are found, also through node(id).
  findUnique: (id, ctx) => ({ id, ownerId: ctx.viewer?.id ?? NOBODY }),
  nullable: true,
  // The short columns are always read and their fields read the row; the description is read
  // only when asked for (see generation-select.ts for why).
  select: projectSelect,
  fields: (t) => ({
    storeName: t.string({ resolve: (project) => project.storeName }),
    address: t.string({ nullable: true, resolve: (project) => project.address }),
    description: t.exposeString("description", { nullable: true }),
    language: t.field({ type: LanguageEnum, resolve: (project) => project.language }),
    createdAt: t.field({ type: "DateTime", resolve: (project) => project.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (project) => project.updatedAt }),
    lastEventSequence: t.int({
      description: "Sequence of the project's latest generation event: subscribe with `after` set to it to get only what follows.",
      resolve: (project) => project.eventSequence,
    }),
    images: t.relation("images", { query: { orderBy: { order: "asc" } } }),
    imageCount: t.relationCount("images", { description: "How many photos the project has." }),
    // lyrics, songs, videos and adRuns (bounded connections) are added by their own files.
  }),
});

export const ProjectConnection = builder.connectionObject({ type: ProjectRef, name: "ProjectConnection" }, { name: "ProjectEdge" });

const CreateProjectInput = builder.inputType("CreateProjectInput", {
  fields: (t) => ({
    storeName: t.string({ required: true, description: `1 to ${PROJECT_LIMITS.storeName} characters.` }),
    address: t.string({ description: `Up to ${PROJECT_LIMITS.address} characters.` }),
    description: t.string({ description: `Up to ${PROJECT_LIMITS.description} characters.` }),
    language: t.field({ type: LanguageEnum, description: "Language of the lyrics; KO when omitted." }),
  }),
});

const UpdateProjectInput = builder.inputType("UpdateProjectInput", {
  description: "Only the fields given are changed; null clears address or description.",
  fields: (t) => ({
    storeName: t.string(),
    address: t.string(),
    description: t.string(),
    language: t.field({ type: LanguageEnum }),
  }),
});

builder.queryFields((t) => ({
  project: t.withAuth({ signedIn: true }).prismaField({
    type: "Project",
    nullable: true,
    args: { id: t.arg.globalID({ for: ProjectRef, required: true }) },
    resolve: (query, _root, args, ctx) => findOwnedProject(ctx, args.id.id, query),
  }),
  projects: t.withAuth({ signedIn: true }).prismaConnection(
    {
      type: "Project",
      cursor: "id",
      description: "The viewer's projects, newest first.",
      resolve: (query, _root, _args, ctx, info) => viewerProjects(ctx, shownColumns(query, info)),
      totalCount: (_connection, _args, ctx) => countViewerProjects(ctx),
    },
    // The shared connection type (its ref is typed for the builder's context, not withAuth's).
    ProjectConnection as never,
  ),
}));

builder.mutationFields((t) => ({
  createProject: t.withAuth({ signedIn: true }).prismaField({
    type: "Project",
    args: { input: t.arg({ type: CreateProjectInput, required: true }) },
    resolve: (query, _root, args, ctx) => createProject(ctx, args.input, query),
  }),
  updateProject: t.withAuth({ signedIn: true }).prismaField({
    type: "Project",
    args: { id: t.arg.globalID({ for: ProjectRef, required: true }), input: t.arg({ type: UpdateProjectInput, required: true }) },
    resolve: (query, _root, args, ctx) => updateProject(ctx, args.id.id, args.input, query),
  }),
  deleteProject: t.withAuth({ signedIn: true }).id({
    description: "Deletes the project with its photos and generations; returns its id.",
    args: { id: t.arg.globalID({ for: ProjectRef, required: true }) },
    resolve: (_root, args, ctx) => deleteProject(ctx, args.id.id),
  }),
}));
