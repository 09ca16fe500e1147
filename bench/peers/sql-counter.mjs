// Preloaded into every benchmarked server process (`node --import ./bench/peers/sql-counter.mjs`):
// counts the SQL statements sent through `pg` (which Prisma's pg adapter, PostGraphile and the
// raw floor all use) and answers the bench over the IPC channel, so no extra port is needed.
// Over the same channel it reports the process's heap after a full collection (the live part's
// heap per open subscription).
// The bench imports it too, to count its own status writes the same way (Prisma's query log
// events would add their own CPU to the write being measured).
import { Session } from "node:inspector";
import { createRequire } from "node:module";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";

const require = createRequire(join(process.cwd(), "package.json"));
const pg = require("pg");
let statements = 0;
let last = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(config, ...rest) {
  statements++;
  const text = typeof config === "string" ? config : config?.text;
  if (text && last.length < 50) last.push(text.slice(0, 200));
  return query.call(this, config, ...rest);
};

let inspector;
if (process.send) {
  process.on("message", (m) => {
    if (m === "sql:reset") {
      statements = 0;
      last = [];
      process.send({ type: "sql", statements: 0, last: [] });
    } else if (m === "sql:get") {
      process.send({ type: "sql", statements, last });
    } else if (m === "heap:get") {
      // A full, compacting collection first (what DevTools' "collect garbage" does), so only
      // what is still referenced counts.
      // One session, kept: disconnecting inside post's callback stops the process's event loop.
      if (!inspector) {
        inspector = new Session();
        inspector.connect();
      }
      inspector.post("HeapProfiler.collectGarbage", () => {
        const used = process.memoryUsage().heapUsed;
        // BENCH_HEAP_SNAPSHOT=<dir>: a snapshot at each reading too (compare two with bench/heap-diff.mjs).
        const dir = process.env.BENCH_HEAP_SNAPSHOT;
        if (dir) writeHeapSnapshot(join(dir, `${process.pid}-${Date.now()}.heapsnapshot`));
        process.send({ type: "heap", used });
      });
    }
  });
  // The IPC channel must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}

/** Statements sent through `pg` by this process so far. */
export const statementCount = () => statements;
