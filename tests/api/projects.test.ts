import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestApi, type TestApi } from "../helpers/app.js";
import { checked, createProject, expectError, globalId, listBlobs, ok, rowId, upload } from "../helpers/gql.js";
import { JPEG, PNG } from "../helpers/images.js";

let api: TestApi;
beforeAll(async () => {
  api = checked(await startTestApi());
});
afterAll(() => api?.close());

const FIELDS = `id storeName address description language createdAt updatedAt`;
interface ProjectData {
  id: string;
  storeName: string;
  address: string | null;
  description: string | null;
  language: string;
}
const PROJECT = `query($id: ID!) { project(id: $id) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteProject(id: $id) }`;
const CREATE = `mutation($input: CreateProjectInput!) { createProject(input: $input) { ${FIELDS} } }`;
const PAGE = `query($first: Int, $after: String) {
  projects(first: $first, after: $after) { edges { cursor node { id storeName } } pageInfo { hasNextPage endCursor } }
}`;
type Page = {
  projects: { edges: { cursor: string; node: { id: string; storeName: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

describe("createProject / project / updateProject", () => {
  it("creates with KO by default, reads back, and validates storeName", async () => {
    const { token } = await signUp(api);
    const created = ok(await api.gql<{ createProject: ProjectData }>(CREATE, { input: { storeName: "  Blue Cafe  ", address: "Seoul" } }, token));
    expect(created.createProject).toMatchObject({ storeName: "Blue Cafe", address: "Seoul", description: null, language: "KO" });
    const read = ok(await api.gql<{ project: ProjectData }>(PROJECT, { id: created.createProject.id }, token));
    expect(read.project).toEqual(created.createProject);

    const en = ok(await api.gql<{ createProject: ProjectData }>(CREATE, { input: { storeName: "Bistro", language: "EN" } }, token));
    expect(en.createProject.language).toBe("EN");

    expectError(await api.gql(CREATE, { input: { storeName: "   " } }, token), "BAD_USER_INPUT", "input.storeName");
    expectError(await api.gql(CREATE, { input: { storeName: "x".repeat(101) } }, token), "BAD_USER_INPUT", "input.storeName");
    expectError(await api.gql(CREATE, { input: { storeName: "ok", address: "x".repeat(301) } }, token), "BAD_USER_INPUT", "input.address");
    // Missing the required field is caught by GraphQL itself, still with a code.
    expectError(await api.gql(CREATE, { input: {} }, token), "BAD_USER_INPUT");
    expectError(await api.gql(CREATE, { input: { storeName: "Nope" } }), "UNAUTHENTICATED");
  });

  it("updates only the fields given; null clears address; storeName cannot be null or empty", async () => {
    const { token } = await signUp(api);
    const id = await createProject(api, token, { storeName: "Old", address: "Busan", description: "Noodles", language: "JA" });

    const renamed = ok(await api.gql<{ updateProject: ProjectData }>(UPDATE, { id, input: { storeName: "New" } }, token)).updateProject;
    expect(renamed).toMatchObject({ id, storeName: "New", address: "Busan", description: "Noodles", language: "JA" });

    const cleared = ok(await api.gql<{ updateProject: ProjectData }>(UPDATE, { id, input: { address: null, language: "ZH" } }, token)).updateProject;
    expect(cleared).toMatchObject({ storeName: "New", address: null, description: "Noodles", language: "ZH" });

    const noop = ok(await api.gql<{ updateProject: ProjectData }>(UPDATE, { id, input: {} }, token)).updateProject;
    expect(noop).toMatchObject({ storeName: "New", address: null, description: "Noodles", language: "ZH" });

    expectError(await api.gql(UPDATE, { id, input: { storeName: null } }, token), "BAD_USER_INPUT", "input.storeName");
    expectError(await api.gql(UPDATE, { id, input: { storeName: "" } }, token), "BAD_USER_INPUT", "input.storeName");
    expectError(await api.gql(UPDATE, { id, input: { storeName: "  " } }, token), "BAD_USER_INPUT", "input.storeName");
    // Nothing changed by the refused updates.
    expect(ok(await api.gql<{ project: ProjectData }>(PROJECT, { id }, token)).project.storeName).toBe("New");
  });
});

describe("deleteProject", () => {
  it("returns the id, removes the project and its blobs", async () => {
    const { token } = await signUp(api);
    const id = await createProject(api, token);
    const keep = await createProject(api, token, { storeName: "Keep" });
    ok(await upload(api, token, id, [{ name: "a.jpg", type: "image/jpeg", bytes: JPEG }, { name: "b.png", type: "image/png", bytes: PNG }]));
    ok(await upload(api, token, keep, [{ name: "c.png", type: "image/png", bytes: PNG }]));
    expect(await listBlobs(api, `projects/${rowId(id)}/`)).toHaveLength(2);

    const res = ok(await api.gql<{ deleteProject: string }>(DELETE, { id }, token));
    expect(res.deleteProject).toBe(id);
    expectError(await api.gql(PROJECT, { id }, token), "NOT_FOUND");
    expect(await listBlobs(api, `projects/${rowId(id)}/`)).toEqual([]);
    expect(await api.app.services.prisma.projectImage.count({ where: { projectId: rowId(id) } })).toBe(0);
    // The other project and its photo are untouched.
    expect(await listBlobs(api, `projects/${rowId(keep)}/`)).toHaveLength(1);
    // Deleting again is NOT_FOUND.
    expectError(await api.gql(DELETE, { id }, token), "NOT_FOUND");
  });
});

describe("projects connection", () => {
  it("pages newest first with correct pageInfo, no duplicates and no gaps", async () => {
    const { token, id: userGlobalId } = await signUp(api);
    const prisma = api.app.services.prisma;
    // Some through the API, some directly with identical createdAt to exercise the id tie-break.
    for (let i = 0; i < 4; i++) await createProject(api, token, { storeName: `api-${i}` });
    const tie = new Date(Date.now() + 60_000);
    await prisma.project.createMany({
      data: Array.from({ length: 7 }, (_, i) => ({ ownerId: rowId(userGlobalId), storeName: `tie-${i}`, createdAt: tie })),
    });
    const rows = await prisma.project.findMany({ where: { ownerId: rowId(userGlobalId) } });
    const expected = rows
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((r) => globalId("Project", r.id));
    expect(expected).toHaveLength(11);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Page = ok(await api.gql<Page>(PAGE, { first: 3, after }, token));
      const { edges, pageInfo } = page.projects;
      pages++;
      seen.push(...edges.map((e) => e.node.id));
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      if (!pageInfo.hasNextPage) {
        expect(edges.length).toBeGreaterThan(0);
        break;
      }
      expect(edges).toHaveLength(3);
      after = pageInfo.endCursor;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(expected);

    // viewer.projects is the same list.
    const viewer = ok(
      await api.gql<{ viewer: { projects: { edges: { node: { id: string } }[] } } }>(
        `{ viewer { projects(first: 20) { edges { node { id } } } } }`,
        {},
        token,
      ),
    );
    expect(viewer.viewer.projects.edges.map((e) => e.node.id)).toEqual(expected);

    // An exact multiple: the last full page says there is no next page.
    const all = ok(await api.gql<Page>(PAGE, { first: 11 }, token)).projects;
    expect(all.edges.map((e) => e.node.id)).toEqual(expected);
    expect(all.pageInfo.hasNextPage).toBe(false);
  });

  it("rejects a negative page size and a bad cursor as BAD_USER_INPUT", async () => {
    const { token } = await signUp(api);
    expectError(await api.gql(PAGE, { first: -1 }, token), "BAD_USER_INPUT");
    expectError(await api.gql(PAGE, { first: 2, after: "not a cursor" }, token), "BAD_USER_INPUT");
  });

  it("refuses a page larger than the maximum instead of silently returning fewer rows", async () => {
    const { token } = await signUp(api);
    for (const [query, args] of [
      [PAGE, { first: 101 }],
      [`query($first: Int) { songs(first: $first) { edges { node { id } } } }`, { first: 1000 }],
      [`query($last: Int) { videos(last: $last) { edges { node { id } } } }`, { last: 101 }],
    ] as const) {
      const res = await api.gql(query, args, token);
      const field = "first" in args ? "first" : "last";
      expectError(res, "BAD_USER_INPUT", field);
      expect(res.errors![0]!.message).toContain("at most 100");
    }
    // The maximum itself is fine.
    ok(await api.gql(PAGE, { first: 100 }, token));
  });
});

describe("isolation between users", () => {
  it("user B can neither see nor touch user A's project", async () => {
    const a = await signUp(api, "alice");
    const b = await signUp(api, "bob");
    const id = await createProject(api, a.token, { storeName: "Alice's" });
    const [image] = ok(await upload(api, a.token, id, [{ name: "a.jpg", type: "image/jpeg", bytes: JPEG }])).uploadProjectImages;
    const bOwn = await createProject(api, b.token, { storeName: "Bob's" });

    expectError(await api.gql(PROJECT, { id }, b.token), "NOT_FOUND");
    expectError(await api.gql(UPDATE, { id, input: { storeName: "Hijacked" } }, b.token), "NOT_FOUND");
    expectError(await api.gql(DELETE, { id }, b.token), "NOT_FOUND");
    const up = await upload(api, b.token, id, [{ name: "b.jpg", type: "image/jpeg", bytes: JPEG }]);
    expectError(up, "NOT_FOUND");

    const node = ok(await api.gql<{ node: unknown }>(`query($id: ID!) { node(id: $id) { id } }`, { id }, b.token));
    expect(node.node).toBeNull();
    const imageNode = ok(await api.gql<{ node: unknown }>(`query($id: ID!) { node(id: $id) { id } }`, { id: image!.id }, b.token));
    expect(imageNode.node).toBeNull();
    const userNode = ok(await api.gql<{ node: unknown }>(`query($id: ID!) { node(id: $id) { id } }`, { id: a.id }, b.token));
    expect(userNode.node).toBeNull();

    const list = ok(await api.gql<Page>(PAGE, { first: 100 }, b.token)).projects.edges.map((e) => e.node.id);
    expect(list).toEqual([bOwn]);

    // A's project is unchanged: same name, one photo, one blob.
    const still = ok(
      await api.gql<{ project: { storeName: string; images: unknown[] } }>(
        `query($id: ID!) { project(id: $id) { storeName images { id } } }`,
        { id },
        a.token,
      ),
    );
    expect(still.project.storeName).toBe("Alice's");
    expect(still.project.images).toHaveLength(1);
    expect(await listBlobs(api, `projects/${rowId(id)}/`)).toHaveLength(1);
    // ...and A does reach it through node(id).
    const own = ok(await api.gql<{ node: { id: string } | null }>(`query($id: ID!) { node(id: $id) { id } }`, { id }, a.token));
    expect(own.node?.id).toBe(id);
    const ownImage = ok(await api.gql<{ node: { id: string } | null }>(`query($id: ID!) { node(id: $id) { id } }`, { id: image!.id }, a.token));
    expect(ownImage.node?.id).toBe(image!.id);
  });

  it("malformed ids are BAD_USER_INPUT, never an internal error", async () => {
    const a = await signUp(api);
    const projectId = await createProject(api, a.token);
    const uuid = rowId(projectId);
    const bad = [
      "not base64!!",
      "",
      Buffer.from("Project:not-a-uuid").toString("base64"),
      Buffer.from("Project").toString("base64"),
      Buffer.from(`Nope:${uuid}`).toString("base64"),
      uuid, // a raw uuid, not a global id
      a.id, // a User id where a Project id is expected (last: node(id) resolves it, see below)
    ];
    for (const id of bad) {
      expectError(await api.gql(PROJECT, { id }, a.token), "BAD_USER_INPUT", "id");
      expectError(await api.gql(UPDATE, { id, input: { storeName: "x" } }, a.token), "BAD_USER_INPUT", "id");
      expectError(await api.gql(DELETE, { id }, a.token), "BAD_USER_INPUT", "id");
      expectError(await upload(api, a.token, id, [{ name: "a.jpg", type: "image/jpeg", bytes: JPEG }]), "BAD_USER_INPUT", "projectId");
      if (id === a.id) continue;
      const node = await api.gql<{ node: unknown }>(`query($id: ID!) { node(id: $id) { id } }`, { id }, a.token);
      // node(id) may answer null or BAD_USER_INPUT for garbage, but never an internal error.
      if (node.errors) expectError(node, "BAD_USER_INPUT");
      else expect(node.data?.node).toBeNull();
    }
  });
});
