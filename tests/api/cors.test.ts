import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../helpers/app.js";

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
