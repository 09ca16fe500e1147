// Request bodies (src/http/bodies.ts): multipart is refused before its body is read unless it
// carries a valid token; JSON bodies are small; multipart needs the preflight header, is only for
// the upload mutation, and a user has a bounded number of uploads in flight.
import { request, type IncomingHttpHeaders } from "node:http";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postGraphql, signUp, startTestApi, type TestApi } from "../helpers/app.js";
import { checked, createProject, expectError, PREFLIGHT, UPLOAD_MUTATION } from "../helpers/gql.js";
import { JPEG } from "../helpers/images.js";
import { redisKey } from "../../src/redis.js";
import { waitFor } from "../helpers/pipeline-tools.js";

let api: TestApi;
let token: string;
beforeAll(async () => {
  api = checked(await startTestApi({ env: { UPLOAD_MAX_CONCURRENT_PER_USER: "2" } }));
  token = (await signUp(api, "bodies")).token;
});
afterAll(() => api?.close());

const BOUNDARY = "----castadtestboundary";
const head = (projectId: string) =>
  [
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: UPLOAD_MUTATION, variables: { projectId, files: [null] } })}\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="map"\r\n\r\n${JSON.stringify({ 0: ["variables.files.0"] })}\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  ].join("");

/** A multipart upload whose body we feed by hand (chunked unless a length is declared): it
 *  stays open until `finish()`, so an answer that arrives before it shows the body was not read. */
function openUpload(projectId: string, auth: string | undefined, declaredLength?: number, base = api.url) {
  const req = request(`${base}/graphql`, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
      ...PREFLIGHT,
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      ...(declaredLength ? { "content-length": String(declaredLength) } : {}),
    },
  });
  req.on("error", () => {}); // a refused body ends with the connection
  const response = new Promise<{ status: number; headers: IncomingHttpHeaders; body: Promise<string> }>((resolve) =>
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      resolve({ status: res.statusCode!, headers: res.headers, body: once(res, "end").then(() => Buffer.concat(chunks).toString()) });
    }),
  );
  req.write(head(projectId));
  return {
    response,
    finish: () => {
      req.write(JPEG);
      req.end(`\r\n--${BOUNDARY}--\r\n`);
    },
    abort: () => req.destroy(),
  };
}

/** How many upload slots `token`'s user holds (redis-semaphore keeps the holders in a sorted
 *  set under "semaphore:<our key>"). */
async function holders(on: TestApi, token: string): Promise<number> {
  const userId = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).sub as string;
  return on.app.services.redis.zcard(`semaphore:${redisKey(on.config, "uploads", userId)}`);
}

const codes = async (res: { body: Promise<string> }) =>
  (JSON.parse(await res.body) as { errors?: { extensions?: { code?: string } }[] }).errors?.map((e) => e.extensions?.code);

describe("request bodies", () => {
  it("an anonymous multipart body is refused with 401 before it is read", async () => {
    const projectId = await createProject(api, token);
    const rss0 = process.memoryUsage().rss;
    // The body never ends: only an answer given before reading it can arrive.
    const pending = openUpload(projectId, undefined);
    const res = await pending.response;
    expect(res.status).toBe(401);
    expect(await codes(res)).toEqual(["UNAUTHENTICATED"]);
    pending.abort();
    const forged = openUpload(projectId, "not-a-token");
    expect((await forged.response).status).toBe(401);
    forged.abort();
    // A declared body over the upload cap, with a valid token: 413 at once.
    const huge = openUpload(projectId, token, 200 * 1024 * 1024);
    const hugeRes = await huge.response;
    expect(hugeRes.status).toBe(413);
    expect(await codes(hugeRes)).toEqual(["PAYLOAD_TOO_LARGE"]);
    huge.abort();
    console.log(`[bodies] refused unread bodies; RSS ${(rss0 / 1e6).toFixed(0)} -> ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  });

  it("JSON bodies over JSON_MAX_BODY_BYTES are PAYLOAD_TOO_LARGE", async () => {
    const body = JSON.stringify({ query: "{ viewer { id } }", variables: { pad: "x".repeat(api.config.JSON_MAX_BODY_BYTES) } });
    const res = await postGraphql(api.url, body, { "content-type": "application/json" });
    expect(res.status).toBe(413);
    expectError(res, "PAYLOAD_TOO_LARGE");
  });

  it("a JSON body of unknown length (chunked) is counted as it arrives: over the limit it is PAYLOAD_TOO_LARGE too", async () => {
    const json = JSON.stringify({ query: "{ viewer { id } }", variables: { pad: "x".repeat(api.config.JSON_MAX_BODY_BYTES) } });
    const chunkedPost = (body: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("error", reject);
        for (let i = 0; i < body.length; i += 16_384) req.write(body.slice(i, i + 16_384));
        req.end();
      });
    const big = await chunkedPost(json);
    expect(big.status).toBe(413);
    expect((JSON.parse(big.text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("PAYLOAD_TOO_LARGE");
    // A small chunked body is read and answered as usual.
    const small = await chunkedPost(JSON.stringify({ query: "{ __typename }" }));
    expect(small.status).toBe(200);
    expect(JSON.parse(small.text)).toEqual({ data: { __typename: "Query" } });
  });

  it("multipart needs the preflight header and carries only the upload mutation", async () => {
    const projectId = await createProject(api, token);
    const form = () => {
      const f = new FormData();
      f.set("operations", JSON.stringify({ query: UPLOAD_MUTATION, variables: { projectId, files: [null] } }));
      f.set("map", JSON.stringify({ 0: ["variables.files.0"] }));
      f.set("0", new Blob([new Uint8Array(JPEG)], { type: "image/jpeg" }), "a.jpg");
      return f;
    };
    const noHeader = await postGraphql(api.url, form(), { authorization: `Bearer ${token}` });
    expect(noHeader.status).toBe(403);
    expectError(noHeader, "FORBIDDEN");

    const other = new FormData();
    other.set("operations", JSON.stringify({ query: `mutation { createProject(input: { storeName: "via multipart" }) { id } }` }));
    other.set("map", "{}");
    const res = await postGraphql(api.url, other, { authorization: `Bearer ${token}`, ...PREFLIGHT });
    expectError(res, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("a user has at most UPLOAD_MAX_CONCURRENT_PER_USER uploads in flight; others are unaffected", async () => {
    const projectId = await createProject(api, token);
    const first = openUpload(projectId, token);
    const second = openUpload(projectId, token);
    await waitFor("two uploads holding slots", async () => (await holders(api, token)) === 2);
    const third = openUpload(projectId, token);
    const refused = await third.response;
    expect(refused.status).toBe(429);
    expect(await codes(refused)).toEqual(["RATE_LIMITED"]);
    expect(refused.headers["retry-after"]).toBe("5");
    // Someone else uploads meanwhile.
    const other = await signUp(api, "other");
    const otherProject = await createProject(api, other.token);
    const theirs = openUpload(otherProject, other.token);
    theirs.finish();
    expect((await theirs.response).status).toBe(200);
    first.finish();
    second.finish();
    const answers = await Promise.all([first.response, second.response]);
    expect(answers.map((a) => a.status), await Promise.all(answers.map((a) => a.body)).then(String)).toEqual([200, 200]);
    await waitFor("every slot released", async () => (await holders(api, token)) === 0);
  });

  it("an upload whose client leaves gives its slot back", async () => {
    const projectId = await createProject(api, token);
    const gone = openUpload(projectId, token);
    await waitFor("the upload holding a slot", async () => (await holders(api, token)) === 1);
    gone.abort();
    await waitFor("its slot released", async () => (await holders(api, token)) === 0);
  });

  it("the limit holds across API instances: a user's uploads in flight on one count on the other", async () => {
    const c = api.config;
    const other = checked(
      await startTestApi({
        env: {
          UPLOAD_MAX_CONCURRENT_PER_USER: "2",
          REDIS_PREFIX: c.REDIS_PREFIX,
          JWT_SECRET: c.JWT_SECRET!,
          WEBHOOK_SECRET: c.WEBHOOK_SECRET!,
          AZURE_STORAGE_CONTAINER: c.AZURE_STORAGE_CONTAINER,
        },
      }),
    );
    try {
      const user = await signUp(api, "two-apis");
      const projectId = await createProject(api, user.token);
      const first = openUpload(projectId, user.token);
      const second = openUpload(projectId, user.token);
      await waitFor("two uploads holding slots on API A", async () => (await holders(api, user.token)) === 2);
      const third = openUpload(projectId, user.token, undefined, other.url);
      const refused = await third.response;
      expect(refused.status).toBe(429);
      expect(await codes(refused)).toEqual(["RATE_LIMITED"]);
      first.finish();
      expect((await first.response).status).toBe(200);
      await waitFor("the first upload's slot to be released", async () => (await holders(api, user.token)) === 1);
      const fourth = openUpload(projectId, user.token, undefined, other.url);
      fourth.finish();
      second.finish();
      expect([(await fourth.response).status, (await second.response).status]).toEqual([200, 200]);
      await waitFor("every slot released", async () => (await holders(api, user.token)) === 0);
    } finally {
      await other.close();
    }
  });
});
