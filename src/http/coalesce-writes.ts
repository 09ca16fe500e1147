// WebSocket frames leave in as few writes as keeps them moving (server.ts applies this to every
// graphql-ws socket).
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

/** Frames sent to one socket in a row leave in one write. One status event reaches every
 *  subscription of a socket in the same pass, and a write (a syscall) per frame cost more CPU
 *  than building the frames. Only one socket gathers at a time: it is corked at its first frame
 *  and uncorked as soon as a frame for another socket comes (or right after the turn, by
 *  setImmediate), so its frames are on their way while the fan-out goes on to other sockets,
 *  instead of every socket's waiting for the end of the turn. */
let gathering: Socket | null = null;
let flushing = false;
const flushGathered = () => {
  flushing = false;
  const socket = gathering;
  gathering = null;
  socket?.uncork();
};
export function coalesceWrites(ws: WebSocket, raw: Socket) {
  const send = ws.send.bind(ws);
  ws.send = ((...args: Parameters<WebSocket["send"]>) => {
    if (gathering !== raw) {
      gathering?.uncork();
      raw.cork();
      gathering = raw;
      if (!flushing) {
        flushing = true;
        setImmediate(flushGathered);
      }
    }
    send(...args);
  }) as WebSocket["send"];
}
