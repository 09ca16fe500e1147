// videoTemplates, and the template check generateVideo/generateAd pass before anything is spent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_TEMPLATE_IDS } from "../../sandbox/server.js";
import { projectWithPhotos, startStack, type Stack } from "../helpers/pipeline.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ role: "api" });
});
afterAll(() => stack?.close());

const LIST = `{ videoTemplates { id name tags width height duration usable problem isDefault slots { images music lyrics storeName address } } }`;

describe("videoTemplates", () => {
  it("lists the account's templates with the slots castad fills; the castad-tagged one is the default", async () => {
    const { user } = await projectWithPhotos(stack, { photos: 0 });
    const res = await stack.api.gql<{ videoTemplates: Array<Record<string, unknown>> }>(LIST, {}, user.token);
    expect(res.errors).toBeUndefined();
    const list = res.data!.videoTemplates;
    expect(list).toHaveLength(4);
    expect(list[0]).toEqual({
      id: SANDBOX_TEMPLATE_IDS.castad,
      name: "Castad Jingle 30s",
      tags: ["castad", "landscape"],
      width: 1280,
      height: 720,
      duration: 30,
      usable: true,
      problem: null,
      isDefault: true,
      slots: { images: ["Image-1", "Image-2", "Image-3", "Image-4", "Image-5"], music: "Music", lyrics: "Lyrics", storeName: "Store-Name", address: "Address" },
    });
    expect(list.find((t) => t.id === SANDBOX_TEMPLATE_IDS.photoCard)).toMatchObject({ usable: false, problem: "it makes jpg files, not videos", isDefault: false });
    expect(list.find((t) => t.id === SANDBOX_TEMPLATE_IDS.landscape)).toMatchObject({ usable: true, slots: { lyrics: null, storeName: "Title" } });
    // Cached: a second listing asks Creatomate nothing.
    const before = stack.sandbox.stats().creatomate.templateRequests;
    await stack.api.gql(LIST, {}, user.token);
    expect(stack.sandbox.stats().creatomate.templateRequests).toBe(before);
  });

  it("needs a signed-in user", async () => {
    const res = await stack.api.gql(LIST);
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("template check before spending", () => {
  it("generateAd and generateVideo refuse an incompatible or unknown template with BAD_USER_INPUT, before any provider call", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 1 });
    const before = stack.sandbox.stats();
    const ad = await stack.api.gql(`mutation($p: ID!, $t: String) { generateAd(projectId: $p, templateId: $t) { id } }`, { p: projectId, t: SANDBOX_TEMPLATE_IDS.photoCard }, user.token);
    expect(ad.errors?.[0]).toMatchObject({
      message: 'templateId: template "Photo Card" cannot make an ad: it makes jpg files, not videos',
      extensions: { code: "BAD_USER_INPUT", field: "templateId" },
    });
    const unknown = await stack.api.gql(`mutation($p: ID!, $t: String) { generateAd(projectId: $p, templateId: $t) { id } }`, { p: projectId, t: "no-such-template" }, user.token);
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "templateId" } });
    const video = await stack.api.gql(`mutation($p: ID!, $t: String) { generateVideo(projectId: $p, templateId: $t) { id } }`, { p: projectId, t: SANDBOX_TEMPLATE_IDS.photoCard }, user.token);
    expect(video.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "templateId" });
    const after = stack.sandbox.stats();
    expect(after.openai.requests).toBe(before.openai.requests);
    expect(after.suno.generateRequests).toBe(before.suno.generateRequests);
    expect(after.creatomate.renderRequests).toBe(before.creatomate.renderRequests);
    const prisma = stack.api.app.services.prisma;
    expect(await prisma.lyric.count({ where: { projectId: rowId } })).toBe(0);
    expect(await prisma.video.count({ where: { projectId: rowId } })).toBe(0);
  });

  it("without a templateId the default is stored on the video row (never the account's first template)", async () => {
    const { user, projectId } = await projectWithPhotos(stack, { photos: 1 });
    const ad = await stack.api.gql<{ generateAd: { video: { templateId: string } } }>(`mutation($p: ID!) { generateAd(projectId: $p) { video { templateId } } }`, { p: projectId }, user.token);
    expect(ad.errors).toBeUndefined();
    expect(ad.data!.generateAd.video.templateId).toBe(SANDBOX_TEMPLATE_IDS.castad);
  });
});
