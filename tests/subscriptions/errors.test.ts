// A failure while a subscription streams ends it with a masked, coded error: no SQL, table
// names or driver text reach the client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectWithPhotos, startStack, type Stack } from "../helpers/pipeline.js";
import { waitFor } from "../helpers/pipeline-tools.js";
import { subscribeWs, wsClient } from "../helpers/subscriptions.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ role: "api" });
});
afterAll(() => stack?.close());

describe("subscription errors", () => {
  it("a database failure mid-stream reaches the client as INTERNAL_SERVER_ERROR without internals", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const { services } = stack.api.app;
    const client = wsClient(stack.api.url, user.token);
    const sub = subscribeWs(client, projectId, 0);
    await waitFor("the subscription to be live", () => services.events.stats().listeners === 1);
    // The events table goes away; a published event with a gap makes the stream read it.
    await services.prisma.$executeRawUnsafe(`ALTER TABLE generation_events RENAME TO generation_events_away`);
    try {
      services.events.publish({
        sequence: 5,
        projectId: rowId,
        kind: "LYRIC",
        generationId: rowId,
        status: "PROCESSING",
        progress: 1,
        message: null,
        at: new Date().toISOString(),
      });
      const errors = (await sub.failed) as { message: string; extensions?: { code?: string } }[];
      expect(errors[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      expect(JSON.stringify(errors)).not.toMatch(/generation_events|prisma|relation|SELECT/i);
    } finally {
      await services.prisma.$executeRawUnsafe(`ALTER TABLE generation_events_away RENAME TO generation_events`);
    }
    await waitFor("the listener to be released", () => services.events.stats().listeners === 0);
    await client.dispose();
  });
});
