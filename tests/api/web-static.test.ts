// The API serves the built web app at / next to /graphql: content types, caching, the app's
// client routes, and honest 404s for everything else.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../helpers/app.js";
import { ensureWebBuilt } from "../e2e/browser.js";

let api: TestApi;
beforeAll(async () => {
  ensureWebBuilt();
  api = await startTestApi();
});
afterAll(() => api?.close());

const assets = () => readdirSync(fileURLToPath(new URL("../../web/dist/assets/", import.meta.url)));

describe("the web app at /", () => {
  it("serves index.html for / and the app's routes, never cached", async () => {
    for (const path of ["/", "/signin", "/signup", "/projects/new", "/projects/UHJvamVjdDox"]) {
      const res = await fetch(`${api.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it("serves hashed assets with their type, cached for a year; HEAD has no body", async () => {
    const js = assets().find((f) => f.endsWith(".js"))!;
    const css = assets().find((f) => f.endsWith(".css"))!;
    const res = await fetch(`${api.url}/assets/${js}`);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await res.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${api.url}/assets/${css}`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await fetch(`${api.url}/favicon.svg`)).headers.get("content-type")).toBe("image/svg+xml");
    const head = await fetch(`${api.url}/assets/${js}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(1000);
    expect(await head.text()).toBe("");
  });

  it("404s unknown paths, missing assets and anything outside web/dist", async () => {
    for (const path of ["/nowhere", "/assets/missing-123.js", "/../package.json", "/%2e%2e/package.json", "/projects/a/b"]) {
      expect((await fetch(`${api.url}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${api.url}/`, { method: "POST" })).status).toBe(405);
  });

  it("leaves /graphql, /health and GraphiQL alone", async () => {
    expect((await api.gql<{ __typename: string }>("{ __typename }")).data?.__typename).toBe("Query");
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    const graphiql = await fetch(`${api.url}/graphql`, { headers: { accept: "text/html" } });
    const html = await graphiql.text();
    expect(html).toContain("castad");
    // GraphiQL opens with the example tabs: sign up, create, make the ad, follow it.
    for (const op of ["mutation SignUp", "mutation CreateProject", "mutation MakeTheAd", "subscription FollowTheAd"]) expect(html).toContain(op);
  });
});
