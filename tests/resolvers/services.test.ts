// The resolvers are plain functions of (ctx, typed args): called here directly, without HTTP,
// against the real database (Redwood's service tests are the model). The HTTP suites in
// tests/api cover the same behaviour through the schema.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../helpers/app.js";
import { signUp } from "../../src/resolvers/auth.js";
import { createProject, deleteProject, findOwnedProject, updateProject, viewerProjects } from "../../src/resolvers/projects.js";
import { generateAd, generateLyric, cancelGeneration } from "../../src/resolvers/generations.js";
import { projectEvents } from "../../src/resolvers/events.js";
import type { SignedInContext } from "../../src/http/context.js";

let api: TestApi;
type Ctx = Pick<SignedInContext, "services" | "viewer">;

async function newViewer(name: string): Promise<Ctx> {
  const { user } = await signUp(api.app.services, { email: `${name}-${Date.now()}-${Math.random()}@example.com`, password: "correct horse battery" });
  return { services: api.app.services, viewer: { id: user.id } };
}

beforeAll(async () => {
  // No workers: generations stay QUEUED, so what the functions wrote can be read back as is.
  api = await startTestApi({ role: "api" });
});
afterAll(() => api.close());

describe("projects", () => {
  it("create, update, list and delete are scoped to the viewer", async () => {
    const owner = await newViewer("owner");
    const stranger = await newViewer("stranger");
    const project = await createProject(owner, { storeName: "  Sunny Side  ", address: "" });
    expect(project).toMatchObject({ storeName: "Sunny Side", address: null, language: "KO", ownerId: owner.viewer.id });

    await expect(updateProject(stranger, project.id, { storeName: "Mine now" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(findOwnedProject(stranger, project.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await viewerProjects(stranger, {})).toEqual([]);

    const updated = await updateProject(owner, project.id, { description: "Fresh bread", language: "EN" });
    expect(updated).toMatchObject({ storeName: "Sunny Side", description: "Fresh bread", language: "EN" });
    expect((await viewerProjects(owner, {})).map((p) => p.id)).toEqual([project.id]);

    await expect(deleteProject(stranger, project.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await deleteProject(owner, project.id);
    await expect(findOwnedProject(owner, project.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("validates input once, naming the field", async () => {
    const owner = await newViewer("limits");
    await expect(createProject(owner, { storeName: "" })).rejects.toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "input.storeName" } });
    await expect(createProject(owner, { storeName: "x", address: "a".repeat(301) })).rejects.toMatchObject({ extensions: { field: "input.address" } });
  });
});

describe("generations", () => {
  it("generateLyric writes a QUEUED row and its first event; cancel ends it with an event", async () => {
    const owner = await newViewer("lyrics");
    const project = await createProject(owner, { storeName: "Bakery" });
    const lyric = await generateLyric(owner, project.id, { mood: " cozy " });
    expect(lyric).toMatchObject({ status: "QUEUED", mood: "cozy", attempt: 1, projectId: project.id });
    await expect(generateLyric(owner, project.id, null)).rejects.toMatchObject({ code: "ALREADY_PROCESSING" });

    const cancelled = await cancelGeneration(owner, { typename: "Lyric", id: lyric.id });
    expect(cancelled.status).toBe("CANCELLED");
    const events = await projectEvents(owner, project.id);
    expect(events.map((e) => [e.sequence, e.kind, e.status])).toEqual([
      [1, "LYRIC", "QUEUED"],
      [2, "LYRIC", "CANCELLED"],
    ]);
  });

  it("generateAd needs photos and refuses someone else's project", async () => {
    const owner = await newViewer("ad");
    const stranger = await newViewer("ad-stranger");
    const project = await createProject(owner, { storeName: "Cafe" });
    await expect(generateAd(owner, project.id)).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    await expect(generateAd(stranger, project.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await projectEvents(owner, project.id)).toEqual([]);
  });
});
