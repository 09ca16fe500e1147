// A bare graphql-yoga (same version as castad, no plugins): what `{ __typename }` costs
// without castad's own path, and what an empty yoga process costs to start and to keep.
import { createServer } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";

const yoga = createYoga({
  schema: createSchema({ typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "hi" } } }),
  graphqlEndpoint: "/graphql",
  landingPage: false,
  logging: false,
});
const server = createServer((req, res) => {
  if (req.url === "/ready") return void res.end('{"status":"ok"}');
  yoga.handle(req, res);
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
