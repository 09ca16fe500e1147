// Trusted documents (persisted operations): with TRUSTED_DOCUMENTS_FILE set, the API runs only
// the operations listed in that manifest, looked up by hash; any other document is refused.
// Accepted manifests: graphql-codegen's persisted-documents.json ({ "<hash>": "<document>" })
// and Apollo's persisted query manifest ({ format, operations: [{ id, body }] }).
import { readFileSync } from "node:fs";
import { GraphQLError } from "graphql";

export type TrustedDocuments = ReadonlyMap<string, string>;

export function loadTrustedDocuments(path: string): TrustedDocuments {
  const raw = JSON.parse(readFileSync(path, "utf8")) as unknown;
  const docs = new Map<string, string>();
  if (raw && typeof raw === "object" && Array.isArray((raw as { operations?: unknown }).operations)) {
    for (const op of (raw as { operations: { id?: unknown; body?: unknown }[] }).operations) {
      if (typeof op.id === "string" && typeof op.body === "string") docs.set(op.id, op.body);
    }
  } else if (raw && typeof raw === "object") {
    for (const [id, body] of Object.entries(raw)) if (typeof body === "string") docs.set(id, body);
  }
  if (docs.size === 0) throw new Error(`${path} lists no trusted documents`);
  return docs;
}

/** The document id a request names: `documentId` (GraphQL over HTTP) or Apollo's
 *  `extensions.persistedQuery.sha256Hash`. */
export function documentIdOf(params: { documentId?: unknown; extensions?: unknown }): string | null {
  if (typeof params.documentId === "string") return params.documentId;
  const pq = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return pq?.version === 1 && typeof pq.sha256Hash === "string" ? pq.sha256Hash : null;
}

export const persistedOnlyError = () =>
  new GraphQLError("Only trusted documents are accepted: send a documentId from the manifest.", { extensions: { code: "PERSISTED_QUERY_ONLY" } });
export const persistedNotFoundError = () =>
  new GraphQLError("Unknown document id.", { extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } });

/** Resolves a graphql-ws subscribe payload against the manifest: its document, or an error. */
export function trustedQuery(docs: TrustedDocuments, params: { query?: unknown; documentId?: unknown; extensions?: unknown }): string | GraphQLError {
  const id = documentIdOf(params);
  if (!id) return persistedOnlyError();
  return docs.get(id) ?? persistedNotFoundError();
}
