import { deleteProjectImage, uploadProjectImages } from "../resolvers/images.js";
import { createProject, deleteProject, updateProject } from "../resolvers/projects.js";
import { builder } from "./builder.js";
import { LanguageEnum } from "./enums.js";

const CreateProjectInput = builder.inputType("CreateProjectInput", {
  fields: (t) => ({
    storeName: t.string({ required: true, description: "1 to 100 characters." }),
    address: t.string({ description: "Up to 300 characters." }),
    description: t.string({ description: "Up to 2000 characters." }),
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

builder.mutationFields((t) => ({
  createProject: t.prismaField({
    type: "Project",
    args: { input: t.arg({ type: CreateProjectInput, required: true }) },
    resolve: (query, _root, args, ctx) => createProject(ctx, args.input, query),
  }),
  updateProject: t.prismaField({
    type: "Project",
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateProjectInput, required: true }) },
    resolve: (query, _root, args, ctx) => updateProject(ctx, String(args.id), args.input, query),
  }),
  deleteProject: t.id({
    description: "Deletes the project with its photos and generations; returns its id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteProject(ctx, String(args.id)),
  }),
  uploadProjectImages: t.prismaField({
    type: ["ProjectImage"],
    description: "Adds JPEG, PNG or WebP photos (multipart request); they are appended in the order sent.",
    args: {
      projectId: t.arg.id({ required: true }),
      files: t.arg({ type: ["File"], required: true }),
    },
    resolve: (_query, _root, args, ctx) => uploadProjectImages(ctx, String(args.projectId), args.files),
  }),
  deleteProjectImage: t.id({
    description: "Removes one photo from its project; returns its id. The other photos keep their order.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteProjectImage(ctx, String(args.id)),
  }),
}));
