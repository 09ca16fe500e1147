// The last event sequence seen per project. It goes to the server in connectionParams on every
// (re)connect, so a subscription graphql-ws re-sends after a drop resumes where this page left
// off instead of replaying from its original `after` (see the API's Context.lastSequences).
const KEY = "castad.lastSequences";
let seen: Record<string, number> = {};
try {
  seen = JSON.parse(sessionStorage.getItem(KEY) ?? "{}") as Record<string, number>;
} catch {
  seen = {};
}

export const lastSequences = () => ({ ...seen });
export const lastSequence = (projectId: string) => seen[projectId];

export function sawSequence(projectId: string, sequence: number) {
  if ((seen[projectId] ?? -1) >= sequence) return;
  seen[projectId] = sequence;
  sessionStorage.setItem(KEY, JSON.stringify(seen));
}

/** A fresh page starts from what its query returned; older remembered values would only
 *  make the server replay what the page already shows. */
export function startFrom(projectId: string, sequence: number) {
  seen[projectId] = sequence;
  sessionStorage.setItem(KEY, JSON.stringify(seen));
}
