// graphql-yoga (same version as castad, no plugins) over castad's own schema, answering from
// castad's own answers held in memory: the root fields return the data castad answered and every
// field below is graphql's default resolver reading a property. So it does the executor's and
// yoga's part of a list request — parse, validate, execute the same selection over the same
// types, serialise the same bytes — and nothing of castad's own: no database, no Prisma, no
// plugins, no auth, no link signing. What castad spends above it is its own path.
// The bench hands it the answers (POST /replay with castad's `data`) before loading it.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { buildSchema } from "graphql";
import { createYoga } from "graphql-yoga";

const schema = buildSchema(readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8"));
const answers = {};
for (const field of Object.values(schema.getQueryType().getFields())) {
  field.resolve = (_root, _args, _ctx, info) => answers[info.path.key];
}
// The lists' types are concrete, but a Node or Generation in an answer names its type.
for (const type of Object.values(schema.getTypeMap())) {
  if ("resolveType" in type) type.resolveType = (value) => value.__typename;
}

const yoga = createYoga({ schema, graphqlEndpoint: "/graphql", landingPage: false, logging: false });
const server = createServer((req, res) => {
  if (req.url === "/ready") return void res.end('{"status":"ok"}');
  if (req.url === "/replay" && req.method === "POST") {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      Object.assign(answers, JSON.parse(body).data);
      res.end("{}");
    });
    return;
  }
  yoga.handle(req, res);
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
