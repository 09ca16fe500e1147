// freePort hands out ports from below the kernel's ephemeral range, where outgoing connections
// cannot take them between the pick and the listen, and never the same one twice in a process.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../scripts/run-data.js";

const ephemeralStart = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);

describe("freePort", () => {
  it("gives distinct, listenable ports below the ephemeral range, even when asked many times at once", async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeLessThan(ephemeralStart);
    // Each one can be listened on (nothing else holds it).
    const servers = await Promise.all(
      ports.slice(0, 20).map(
        (port) =>
          new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
            const srv = createServer();
            srv.once("error", reject);
            srv.listen(port, "127.0.0.1", () => resolve(srv));
          }),
      ),
    );
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  });
});
