// VideoTemplate: a Creatomate template as castad would use it, and the videoTemplates query.
import { videoTemplates } from "../resolvers/templates.js";
import type { VideoTemplateInfo } from "../providers/templates.js";
import type { TemplateSlots } from "../providers/creatomate.js";
import { builder } from "./builder.js";

const TemplateSlotsRef = builder.objectRef<TemplateSlots>("VideoTemplateSlots").implement({
  description: "The template's element names castad fills; null when the template has no such element.",
  fields: (t) => ({
    images: t.exposeStringList("images", { description: "Photo slots, in the order photos are placed." }),
    music: t.exposeString("music", { nullable: true, description: "The audio element the song goes to." }),
    lyrics: t.exposeString("lyrics", { nullable: true, description: "The text element the lyrics (or timed captions) go to." }),
    storeName: t.exposeString("storeName", { nullable: true }),
    address: t.exposeString("address", { nullable: true }),
  }),
});

const VideoTemplateRef = builder.objectRef<VideoTemplateInfo>("VideoTemplate").implement({
  fields: (t) => ({
    id: t.exposeString("id", { description: "Pass as templateId to generateVideo or generateAd." }),
    name: t.exposeString("name"),
    tags: t.exposeStringList("tags"),
    width: t.exposeInt("width", { nullable: true }),
    height: t.exposeInt("height", { nullable: true }),
    duration: t.exposeFloat("duration", { nullable: true, description: "Seconds; the song is fitted to it." }),
    slots: t.field({ type: TemplateSlotsRef, resolve: (v) => v.slots }),
    usable: t.boolean({ description: "Whether an ad can be made with it.", resolve: (v) => v.problem === null }),
    problem: t.exposeString("problem", { nullable: true, description: "Why an ad cannot be made with it." }),
    isDefault: t.exposeBoolean("isDefault", { description: "Used when a request names no template." }),
  }),
});

builder.queryField("videoTemplates", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: [VideoTemplateRef],
    description: "The video templates of the Creatomate account (cached), the default first.",
    resolve: (_root, _args, ctx) => videoTemplates(ctx),
  }),
);
