// Run by template-cache.test.ts in a SEPARATE process (node --import tsx): reads one template
// through the shared Redis cache and prints what each cache layer saw as one JSON line.
import { loadConfig } from "../../../src/config.js";
import { createRedis } from "../../../src/redis.js";
import { createCreatomateClient, type CreatomateTemplate } from "../../../src/providers/creatomate.js";
import { TemplateCache } from "../../../src/providers/template-cache.js";

async function main() {
  const sandbox = new URL(process.env.CHILD_SANDBOX_URL ?? "");
  const config = loadConfig({
    ...process.env,
    SANDBOX: "on",
    SANDBOX_HOST: sandbox.hostname,
    SANDBOX_PORT: sandbox.port,
  });
  const redis = createRedis(config, "template-cache-child");
  const templateCache = new TemplateCache<CreatomateTemplate>(redis, config);
  const cm = createCreatomateClient(config, { templateCache });
  try {
    const id = process.env.CHILD_TEMPLATE_ID ?? "";
    const first = await cm.getTemplate(id);
    const second = await cm.getTemplate(id); // served by the in-process layer
    process.stdout.write(
      JSON.stringify({ pid: process.pid, id: first.id, same: JSON.stringify(first) === JSON.stringify(second), stats: templateCache.stats() }) + "\n",
    );
  } finally {
    await cm.close();
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
