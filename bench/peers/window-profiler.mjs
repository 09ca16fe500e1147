// Preloaded into castad's processes when BENCH_CPU_PROF is set (`node --import`): profiles the
// CPU between two IPC messages from the bench — {type:"prof:start"} and {type:"prof:stop",
// file} — so a profile holds the measured window only (not start-up, seeding or warm-up).
import { Session } from "node:inspector/promises";
import { writeFile } from "node:fs/promises";

const session = new Session();
session.connect();
process.on("message", async (m) => {
  if (m?.type === "prof:start") {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 200 });
    await session.post("Profiler.start");
    process.send({ type: "prof", started: true });
  } else if (m?.type === "prof:stop") {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(m.file, JSON.stringify(profile));
    process.send({ type: "prof", file: m.file });
  }
});
