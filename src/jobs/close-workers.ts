// Closing BullMQ workers: gracefully (running steps finish, nothing new is taken) until a
// deadline, then by letting go of whatever still runs.
//
// Two BullMQ 6.7 behaviours shape this:
// - A graceful close() started while a connection sits between reconnect attempts waits forever:
//   it awaits an 'end' event that ioredis never emits for a socket already gone
//   (taskforcesh/bullmq#4656). After a Redis outage every connection stays in that state for up
//   to one backoff step, even once Redis answers again, so we wait for them to be ready first.
// - close(true) on a worker whose graceful close has begun returns that same pending close, so
//   "force it at the deadline" cannot be done through close(). Instead the worker's connections
//   are dropped: its steps' locks then expire and another worker's stalled check resumes them
//   (steps are idempotent and provider task ids are stored).
import type { RedisClient, Worker } from "bullmq";

const BETWEEN_ATTEMPTS = new Set(["connecting", "connect", "reconnecting"]);

async function readyOrClosed(client: RedisClient | undefined): Promise<void> {
  if (!client || !BETWEEN_ATTEMPTS.has(client.status)) return;
  await new Promise<void>((resolve) => {
    const settled = () => {
      client.off("ready", settled).off("end", settled);
      resolve();
    };
    client.once("ready", settled).once("end", settled);
  });
}

async function clientsOf(worker: Worker): Promise<RedisClient[]> {
  const connections = [worker.backend.connection, worker.backend.blockingConnection];
  return Promise.all(connections.filter((c) => c !== undefined).map((c) => c.client));
}

async function closeGracefully(worker: Worker): Promise<void> {
  await Promise.all((await clientsOf(worker)).map(readyOrClosed));
  await worker.close();
}

/** Resolves `true` when every worker closed gracefully, `false` when `deadline` came first (the
 *  workers' connections are then dropped; steps still running are resumed elsewhere). */
export async function closeWorkers(workers: Worker[], deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    Promise.all(workers.map(closeGracefully)).then(() => true),
    new Promise<boolean>((resolve) => {
      if (deadline !== Infinity) timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    }),
  ]);
  clearTimeout(timer);
  if (!closed) {
    for (const client of (await Promise.all(workers.map(clientsOf))).flat()) client.disconnect();
  }
  return closed;
}
