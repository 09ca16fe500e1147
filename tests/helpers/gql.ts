// Assertions shared by the API tests: every response is checked for well-formed errors (a code,
// no internals), and failures are asserted by code (and field) rather than by message.
import { expect } from "vitest";
import { BlobServiceClient } from "@azure/storage-blob";
import { postGraphql, type GqlResponse, type TestApi } from "./app.js";

const LEAKY_KEYS = ["stack", "originalError", "exception", "stacktrace"];
// A stack frame, a file path, SQL, or the database driver talking.
const LEAKY_TEXT = [/\bat .+\.(?:ts|js):\d+/, /node_modules|src\//, /\b(?:SELECT|INSERT INTO|UPDATE|DELETE FROM)\b/, /prisma|postgres(?:ql)?:\/\/|\bpg\b/i];

/** Fails unless every error carries a string extensions.code and nothing internal. */
export function assertWellFormed(res: GqlResponse<unknown>): void {
  expect(res.status, `HTTP status of ${JSON.stringify(res)}`).toBeLessThan(500);
  for (const error of res.errors ?? []) {
    expect(typeof error.message, JSON.stringify(error)).toBe("string");
    expect(typeof error.extensions?.code, `error without a code: ${JSON.stringify(error)}`).toBe("string");
    const walk = (value: unknown): void => {
      if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
          expect(LEAKY_KEYS, `error leaks "${k}": ${JSON.stringify(error)}`).not.toContain(k);
          walk(v);
        }
      }
    };
    walk(error);
    for (const re of LEAKY_TEXT) expect(error.message, `error message leaks internals: ${error.message}`).not.toMatch(re);
  }
}

/** Wraps api.gql so that every response of a test file passes assertWellFormed. */
export function checked(api: TestApi): TestApi {
  return {
    ...api,
    gql: async (query, variables, token) => {
      const res = await api.gql(query, variables, token);
      assertWellFormed(res);
      return res as never;
    },
  };
}

/** Asserts that the response failed with exactly one error of `code` (naming `field` if given). */
export function expectError(res: GqlResponse<unknown>, code: string, field?: string): void {
  assertWellFormed(res);
  expect(res.errors, `expected ${code}, got ${JSON.stringify(res)}`).toBeDefined();
  expect(res.errors!.map((e) => e.extensions?.code), JSON.stringify(res.errors)).toEqual([code]);
  if (field !== undefined) expect(res.errors![0]!.extensions?.field, JSON.stringify(res.errors)).toBe(field);
}

/** Asserts success and returns the data. */
export function ok<T>(res: GqlResponse<T>): T {
  assertWellFormed(res);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.data).not.toBeNull();
  return res.data!;
}

export interface UploadFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

export interface UploadedImage {
  id: string;
  url: string;
  fileName: string;
  contentType: string;
  size: number;
  order: number;
}

export const UPLOAD_MUTATION = `mutation($projectId: ID!, $files: [File!]!) {
  uploadProjectImages(projectId: $projectId, files: $files) { id url fileName contentType size order }
}`;

/** Multipart requests must carry a preflight header (CSRF prevention, src/http/bodies.ts). */
export const PREFLIGHT = { "graphql-require-preflight": "1" };

/** A GraphQL multipart request (operations + map + files), sent with fetch + FormData. */
export async function upload(
  api: TestApi,
  token: string | undefined,
  projectId: string,
  files: UploadFile[],
): Promise<GqlResponse<{ uploadProjectImages: UploadedImage[] }>> {
  const form = new FormData();
  form.set("operations", JSON.stringify({ query: UPLOAD_MUTATION, variables: { projectId, files: files.map(() => null) } }));
  form.set("map", JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
  files.forEach((f, i) => form.set(String(i), new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.name));
  const res = await postGraphql<{ uploadProjectImages: UploadedImage[] }>(api.url, form, {
    // Multipart requests must carry a CSRF-prevention header (src/http/csrf.ts).
    ...PREFLIGHT,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  assertWellFormed(res);
  return res;
}

/** Names of the blobs in the api's container (optionally under a prefix). */
export async function listBlobs(api: TestApi, prefix?: string): Promise<string[]> {
  const container = BlobServiceClient.fromConnectionString(api.config.storageConnectionString).getContainerClient(
    api.config.AZURE_STORAGE_CONTAINER,
  );
  const names: string[] = [];
  for await (const item of container.listBlobsFlat(prefix ? { prefix } : {})) names.push(item.name);
  return names;
}

/** The row id inside a Relay global id. */
export const rowId = (globalId: string) => Buffer.from(globalId, "base64").toString("utf8").split(":")[1]!;
export const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString("base64");

export async function createProject(api: TestApi, token: string, input: Record<string, unknown> = {}): Promise<string> {
  const res = await api.gql<{ createProject: { id: string } }>(
    `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
    { input: { storeName: "Cafe", ...input } },
    token,
  );
  return ok(res).createProject.id;
}
