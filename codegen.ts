// `npm run codegen` prints the Pothos schema to schema.graphql (sorted, committed; a test
// fails when it is stale). Frontends point their own codegen at that file.
import type { CodegenConfig } from "@graphql-codegen/cli";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./src/schema/index.js";

const config: CodegenConfig = {
  schema: printSchema(lexicographicSortSchema(schema)),
  generates: {
    "schema.graphql": { plugins: ["schema-ast"], config: { includeDirectives: true, sort: true } },
  },
};

export default config;
