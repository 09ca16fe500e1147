// castad's own API — its build, its node flags, its schema, plugins, auth and link signing — with
// one change: a Prisma read answers from memory after its first time (the same arguments give the
// same rows, read once from PostgreSQL). So a list request costs everything castad does except
// reading its rows: no SQL, no `pg`, no Prisma query or row mapping. What it spends per request is
// the least any other way of reading the rows (a second data path, JSON shaped in SQL) could
// bring castad to; what PostGraphile spends is the bar.
// BENCH_CASTAD_MODULES: castad's module folder (dist/src, or src when the bench runs from source
// under tsx, which resolves the .js names to the .ts files).
import { join } from "node:path";

const modules = process.env.BENCH_CASTAD_MODULES;
if (!modules) throw new Error("BENCH_CASTAD_MODULES is not set");
const load = (name) => import(join(modules, `${name}.js`));
const [{ loadConfig }, { createLogger }, { createServices }, { startHttpServer }, { webhookRoutes }] = await Promise.all(
  ["config", "logger", "services", "http/server", "http/webhooks"].map(load),
);

/** Reads a model delegate answers from memory: the first call's rows for the same arguments. */
const READS = new Set(["findMany", "findFirst", "findUnique", "findFirstOrThrow", "findUniqueOrThrow", "count"]);

function rowsFromMemory(prisma) {
  const answers = new Map();
  const delegates = new Map();
  const remembering = (model, delegate) =>
    new Proxy(delegate, {
      get(target, op) {
        const fn = target[op];
        if (typeof fn !== "function" || !READS.has(op)) return fn;
        return (args) => {
          const key = JSON.stringify([model, op, args]);
          let rows = answers.get(key);
          if (rows === undefined) {
            answers.set(key, (rows = Promise.resolve(fn.call(target, args))));
            rows.catch(() => answers.delete(key)); // a failed read is asked again next time
          }
          return rows;
        };
      },
    });
  return new Proxy(prisma, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof prop !== "string" || prop.startsWith("$") || typeof value?.findMany !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      let delegate = delegates.get(prop);
      if (!delegate) delegates.set(prop, (delegate = remembering(prop, value)));
      return delegate;
    },
  });
}

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL).child({ role: "api (rows from memory)" });
const services = await createServices({ config, log, poolMax: config.DB_POOL_API });
services.prisma = rowsFromMemory(services.prisma);
const http = await startHttpServer(services, { host: config.HOST, port: config.PORT, routes: webhookRoutes(services), drain: { draining: false }, webRoot: null });
log.info({ url: http.url }, "ready");
process.once("SIGTERM", () => http.close().then(() => services.close()).then(() => process.exit(0)));
