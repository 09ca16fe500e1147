// PostGraphile v4 on castad's tables: the peer the lists are compared with. No auth, no
// ownership filter (it serves every row), default options plus the query log off.
import { createServer } from "node:http";
import Module, { createRequire } from "node:module";
import { dirname, join } from "node:path";

// PostGraphile 4 needs graphql 15 (castad uses 16), and npm installs two copies of 15 (one under
// postgraphile, one under graphile-build-pg): graphql refuses to mix them. Load one copy for all.
const require = createRequire(join(process.cwd(), "package.json"));
const postgraphileDir = dirname(require.resolve("postgraphile/package.json"));
const graphql15 = dirname(require.resolve("graphql/package.json", { paths: [postgraphileDir] }));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "graphql" || request.startsWith("graphql/")) request = graphql15 + request.slice("graphql".length);
  return resolveFilename.call(this, request, ...rest);
};
const { postgraphile } = require("postgraphile");
const handler = postgraphile(process.env.DATABASE_URL, "public", {
  graphqlRoute: "/graphql",
  disableQueryLog: true,
  retryOnInitFail: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
});
// PostGraphile reads the database schema lazily: introspect before saying ready.
await handler.getGraphQLSchema();
const server = createServer((req, res) => {
  if (req.url === "/ready") return void res.end('{"status":"ok"}');
  handler(req, res);
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
