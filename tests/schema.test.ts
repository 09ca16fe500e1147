// schema.graphql is committed so clients and reviewers see the API; it must match the code.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { generate } from "@graphql-codegen/cli";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { isObjectType, type GraphQLResolveInfo } from "graphql";
import { describe, expect, it } from "vitest";
import config from "../codegen.js";
import { schema } from "../src/schema/index.js";

describe("schema.graphql", () => {
  it("is up to date with the Pothos schema (run `npm run codegen` when this fails)", async () => {
    const outputs = await generate({ ...config, silent: true, verbose: false }, false);
    const printed = outputs.find((o: { filename: string; content: string }) => o.filename.endsWith("schema.graphql"));
    expect(printed).toBeDefined();
    expect(readFileSync("schema.graphql", "utf8")).toBe(printed!.content);
  });
});

describe("node ids", () => {
  // src/schema/sync-global-id.ts: plugin-relay's own `id` resolver is async, which made every row
  // of a list a promise for the executor to await. Ours answers at once, with relay's encoding.
  it("every node type's id resolves synchronously to relay's global id", () => {
    const nodeTypes = Object.values(schema.getTypeMap()).filter(
      (type) => isObjectType(type) && type.getInterfaces().some((i) => i.name === "Node"),
    );
    expect(nodeTypes.map((t) => t.name).sort()).toEqual(["AdRun", "Lyric", "Project", "ProjectImage", "Song", "User", "Video"]);
    for (const type of nodeTypes) {
      if (!isObjectType(type)) continue;
      const row = { id: randomUUID() };
      const id = type.getFields().id!.resolve!(row, {}, {}, {} as GraphQLResolveInfo);
      expect(id, type.name).toBe(encodeGlobalID(type.name, row.id));
    }
  });
});
