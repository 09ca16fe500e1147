// `npm run build`: the web app in web/dist and a fresh dist/ with the Prisma client generated now and compiled along with
// src/, so a production install (`npm ci --omit=dev`) needs neither the Prisma CLI nor tsx.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));

// graphql 16 has no `exports` map: a deep import without an extension
// (graphql-armor-max-tokens' `graphql/language/parser`) names the CommonJS file, and with it a
// second copy of graphql's lexer, parser and GraphQLError next to the ES module build. Such
// imports get the ES module file beside it, so the bundle holds one graphql.
const graphqlOnce = {
  name: "graphql-once",
  setup(b) {
    b.onResolve({ filter: /^graphql\/[\w/]+$/ }, (args) => ({ path: require.resolve(`${args.path}.mjs`) }));
  },
};
const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

rmSync(join(root, "dist"), { recursive: true, force: true });
run([join(root, "scripts", "prisma-generate.mjs")]);
// Every module as its own file: what the command-line tools (migrations, admin, doctor) run.
run([join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")]);
// The server's entry point as one file with its dependencies. Loading some 2,100 files one by one
// (resolving, reading and linking each) was most of a process's start: the API took 1.7 s to
// /ready, 1.1 s from this bundle. It replaces tsc's main.js, so the image, `npm run start:dist`
// and the bench run it unchanged.
await build({
  absWorkingDir: root,
  entryPoints: ["src/main.ts"],
  outdir: "dist/src",
  // What main.ts imports only for one role (the HTTP server, the workers) goes to chunks of its
  // own, which a process loads when its role needs them.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // A package's ES module build before its CommonJS one (graphql ships both): ES modules read
  // each other's exports directly, where a CommonJS module imported by an ES module is read
  // through one getter per export and access, which was 7 % of a list's CPU.
  mainFields: ["module", "main"],
  plugins: [graphqlOnce],
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
  external: [
    // The dev tools main.ts loads only for the one-command run; a production install has none.
    "../sandbox/*",
    // Loaded on first use, as from the unbundled build: a native add-on (photos), 9 MB of
    // GraphiQL, and the admin dashboard, whose UI files bull-board serves from its own folder.
    "sharp",
    "@graphql-yoga/render-graphiql",
    "@bull-board/*",
    "hono",
    "@hono/*",
    // Packages that find files beside their own code: pino starts its transports' worker
    // threads from files in its folder, msgpackr looks for its optional native add-on.
    "pino",
    "msgpackr",
    // The database and Redis clients, which instrumentation hooks by package name when it loads
    // (OpenTelemetry's, and the bench's statement counter).
    "pg",
    "ioredis",
    // Optional native add-ons that ws and pg try to load (not installed).
    "bufferutil",
    "utf-8-validate",
    "pg-native",
  ],
  // CommonJS dependencies call require() (node's built-ins, the packages above); in an ES module
  // it comes from createRequire. Their free __filename and __dirname name the chunk (define, not
  // a declaration: some bundled modules declare variables of those names themselves).
  banner: {
    js: [
      'import { createRequire as __castadCreateRequire } from "node:module";',
      'import { dirname as __castadDirnameOf } from "node:path";',
      'import { fileURLToPath as __castadFileURLToPath } from "node:url";',
      "const require = __castadCreateRequire(import.meta.url);",
      "const __castadFilename = __castadFileURLToPath(import.meta.url);",
      "const __castadDirname = __castadDirnameOf(__castadFilename);",
    ].join(" "),
  },
  define: { __filename: "__castadFilename", __dirname: "__castadDirname" },
});
// The web app (web/dist), served by the API at /.
run([join(root, "scripts", "build-web.mjs")]);
