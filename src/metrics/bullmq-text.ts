// BullMQ's own Prometheus export (Queue.exportPrometheusMetrics) is per queue, each with its own
// HELP/TYPE lines; the exposition format allows one per family, so the queues' outputs are
// merged family by family here.
import type { Queue } from "bullmq";

export async function queuesPrometheusText(queues: Queue[]): Promise<string> {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  for (const text of await Promise.all(queues.map((q) => q.exportPrometheusMetrics()))) {
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      const name = meta ? meta[2]! : line.split(/[{\s]/)[0]!;
      let family = families.get(name);
      if (!family) families.set(name, (family = { meta: [], samples: [] }));
      if (meta) {
        if (!family.meta.some((m) => m.startsWith(`# ${meta[1]} `))) family.meta.push(line);
      } else family.samples.push(line);
    }
  }
  return [...families.values()].flatMap((f) => [...f.meta, ...f.samples]).join("\n");
}
