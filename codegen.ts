// `npm run codegen` prints the Pothos schema to schema.graphql (sorted, committed; a test
// fails when it is stale) and generates typed documents for the example client's operations.
import type { CodegenConfig } from "@graphql-codegen/cli";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./src/schema/index.js";

const config: CodegenConfig = {
  schema: printSchema(lexicographicSortSchema(schema)),
  documents: ["scripts/**/*.graphql"],
  ignoreNoDocuments: true,
  generates: {
    "schema.graphql": { plugins: ["schema-ast"], config: { includeDirectives: true, sort: true } },
    "scripts/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, importExtension: ".js", enumsAsTypes: true, scalars: { DateTime: "string", File: "File" } },
    },
  },
};

export default config;
