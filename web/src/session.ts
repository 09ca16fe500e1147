// The signed-in session, kept in localStorage so a reload keeps the user signed in: a
// short-lived access token and the refresh token that renews it (rotated on every use).
import { createStore } from "./store";

export interface Session {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  user: { id: string; email: string; name?: string | null };
}

const KEY = "castad.session";

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed = raw ? (JSON.parse(raw) as Session) : null;
    return parsed?.refreshToken ? parsed : null;
  } catch {
    return null;
  }
}

export const session = createStore<Session | null>(load());
/** Set when the server said the session is no longer valid: the sign-in page says why. */
export const sessionExpired = createStore(false);

session.subscribe(() => {
  const s = session.get();
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
});
// Another tab refreshed or signed out: follow it (refresh tokens work once).
window.addEventListener("storage", (e) => {
  if (e.key === KEY) session.set(load());
});

export function signedIn(next: Session) {
  sessionExpired.set(false);
  session.set(next);
}

export function signOut(expired = false) {
  // An ended session brings the user back to where they were after signing in again.
  if (expired) sessionStorage.setItem("castad.returnTo", window.location.pathname);
  sessionExpired.set(expired);
  session.set(null);
}

/** Where to go after signing in (and forget it). */
export function takeReturnTo(): string {
  const to = sessionStorage.getItem("castad.returnTo");
  sessionStorage.removeItem("castad.returnTo");
  return to && to.startsWith("/") && !to.startsWith("/sign") ? to : "/";
}

const REFRESH = `mutation Refresh($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken accessTokenExpiresAt user { id email name } } }`;
let refreshing: Promise<string | null> | null = null;

/** Exchanges the refresh token for new tokens (once at a time); null when the session is over. */
export function refreshNow(): Promise<string | null> {
  refreshing ??= (async () => {
    const current = session.get();
    if (!current) return null;
    try {
      const res = await fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
        body: JSON.stringify({ query: REFRESH, variables: { r: current.refreshToken } }),
      });
      const body = (await res.json()) as { data?: { refreshToken: Session } | null; errors?: { extensions?: { code?: string } }[] };
      if (body.data?.refreshToken) {
        session.set(body.data.refreshToken);
        return body.data.refreshToken.accessToken;
      }
      if (body.errors?.some((e) => e.extensions?.code === "UNAUTHENTICATED")) signOut(true);
      return null;
    } catch {
      // Offline: keep the session; the next attempt refreshes.
      return session.get()?.accessToken ?? null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** An access token good for at least another 30 seconds (refreshing it when needed). */
export async function accessToken(): Promise<string | null> {
  const current = session.get();
  if (!current) return null;
  if (new Date(current.accessTokenExpiresAt).getTime() - Date.now() > 30_000) return current.accessToken;
  return refreshNow();
}
