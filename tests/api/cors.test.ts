import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestApi, type TestApi } from "../helpers/app.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ env: { CORS_ORIGINS: "https://app.example.com, https://admin.example.com" } });
});
afterAll(() => api?.close());

const preflight = (origin: string) =>
  fetch(`${api.url}/graphql`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });

describe("CORS", () => {
  it("lets configured browser origins call the API with a bearer token", async () => {
    const res = await preflight("https://app.example.com");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("does not allow other origins", async () => {
    const res = await preflight("https://evil.example.net");
    expect(res.headers.get("access-control-allow-origin")).not.toBe("https://evil.example.net");
  });
});

describe("CORS for real clients", () => {
  it("reflects the headers a client asks for (Apollo, yoga, tracing, resume)", async () => {
    const asked = [
      "authorization",
      "content-type",
      "apollographql-client-name",
      "apollographql-client-version",
      "apollo-require-preflight",
      "x-graphql-yoga-csrf",
      "sentry-trace",
      "baggage",
      "traceparent",
      "x-castad-last-sequences",
    ];
    const res = await fetch(`${api.url}/graphql`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": asked.join(",") },
    });
    expect(res.status).toBeLessThan(300);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/\s*,\s*/);
    for (const h of asked) expect(allowed).toContain(h);
  });
});

describe("CSRF prevention", () => {
  // Multipart carries only the upload mutation (src/http/bodies.ts); with no files it gets as
  // far as the resolver, which asks for at least one.
  const multipart = (headers: Record<string, string>, projectId = "UHJvamVjdDowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA=") => {
    const form = new FormData();
    form.set("operations", JSON.stringify({ query: "mutation($p: ID!) { uploadProjectImages(projectId: $p, files: []) { id } }", variables: { p: projectId } }));
    form.set("map", "{}");
    return fetch(`${api.url}/graphql`, { method: "POST", body: form, headers: { accept: "application/json", ...headers } });
  };

  it("refuses a multipart request without a preflight header, with a code and the header names", async () => {
    const { token } = await signUp(api);
    const res = await multipart({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string; reason: string } }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: "FORBIDDEN", reason: "CSRF_HEADER_REQUIRED" });
    expect(body.errors[0]!.message).toContain("x-graphql-yoga-csrf");
  });

  it.each(["x-graphql-yoga-csrf", "apollo-require-preflight", "graphql-require-preflight"])("accepts it with %s", async (header) => {
    const { token } = await signUp(api);
    const project = await api.gql<{ createProject: { id: string } }>(`mutation { createProject(input: { storeName: "Cafe" }) { id } }`, {}, token);
    const res = await multipart({ authorization: `Bearer ${token}`, [header]: "1" }, project.data!.createProject.id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { errors: { extensions: { code: string; field?: string } }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "files" });
  });

  it("JSON requests need no extra header (the browser preflights them)", async () => {
    const res = await api.gql("{ viewer { id } }");
    expect(res.status).toBe(200);
  });
});
