// schema.graphql is committed so clients and reviewers see the API; it must match the code.
import { readFileSync } from "node:fs";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config from "../codegen.js";

describe("schema.graphql", () => {
  it("is up to date with the Pothos schema (run `npm run codegen` when this fails)", async () => {
    const outputs = await generate({ ...config, silent: true, verbose: false }, false);
    const printed = outputs.find((o: { filename: string; content: string }) => o.filename.endsWith("schema.graphql"));
    expect(printed).toBeDefined();
    expect(readFileSync("schema.graphql", "utf8")).toBe(printed!.content);
  });
});
