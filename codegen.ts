// `npm run codegen` prints the Pothos schema to schema.graphql (sorted, committed; a test
// fails when it is stale) and generates the web app's typed operations (web/src/gql) from its
// .graphql documents with GraphQL Code Generator's client preset. Other frontends point their
// own codegen at schema.graphql with the same scalar mappings.
import type { CodegenConfig } from "@graphql-codegen/cli";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./src/schema/index.js";

/** How the custom scalars look on the wire, for clients. */
export const clientScalars = {
  DateTime: { input: "string", output: "string" },
  File: { input: "File | Blob", output: "never" },
};

const config: CodegenConfig = {
  schema: printSchema(lexicographicSortSchema(schema)),
  generates: {
    "schema.graphql": { plugins: ["schema-ast"], config: { includeDirectives: true, sort: true } },
    // The interface map clients need to match `... on Lyric` fragments on Generation/Node
    // (Apollo: `new InMemoryCache({ possibleTypes })`; urql graphcache: `possibleTypes`).
    "possible-types.json": { plugins: ["fragment-matcher"], config: { apolloClientVersion: 3 } },
    // graphcache's schema awareness (interfaces, nullability) from a minified introspection.
    "web/src/gql/introspection.ts": { plugins: ["urql-introspection"], config: { module: "es2015", includeScalars: false } },
    "web/src/gql/": {
      documents: ["web/src/graphql/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { scalars: clientScalars, enumsAsTypes: true, useTypeImports: true, skipTypename: false, nonOptionalTypename: false, dedupeFragments: true },
    },
  },
};

export default config;
