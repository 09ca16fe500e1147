// What the user sees in the connection indicator: the browser's network state and the state of
// the one WebSocket every live update travels on.
import { createStore } from "./store";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline" | "online";

const online = createStore(typeof navigator === "undefined" ? true : navigator.onLine);
/** The socket's own state; null while there is no socket (signed out). */
export const socketState = createStore<"connecting" | "live" | "reconnecting" | null>(null);
export const connectionState = createStore<ConnectionState>(compute());

function compute(): ConnectionState {
  if (!online.get()) return "offline";
  return socketState.get() ?? "online";
}
online.subscribe(() => connectionState.set(compute()));
socketState.subscribe(() => connectionState.set(compute()));

const onlineWaiters = new Set<() => void>();
if (typeof window !== "undefined") {
  window.addEventListener("online", () => {
    online.set(true);
    for (const w of [...onlineWaiters]) w();
    onlineWaiters.clear();
  });
  window.addEventListener("offline", () => online.set(false));
}

export const isOnline = () => online.get();
export const onOffline = (fn: () => void) => {
  window.addEventListener("offline", fn);
  return () => window.removeEventListener("offline", fn);
};
/** Resolves when the browser is online (at once if it is). */
export const untilOnline = () => (online.get() ? Promise.resolve() : new Promise<void>((resolve) => onlineWaiters.add(resolve)));
