import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestApi, type TestApi } from "../helpers/app.js";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

describe("smoke", () => {
  it("signs up and reads the viewer", async () => {
    const user = await signUp(api);
    const res = await api.gql<{ viewer: { email: string } }>(`{ viewer { email } }`, {}, user.token);
    expect(res.data?.viewer.email).toBe(user.email);
  });
});
