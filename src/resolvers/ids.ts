// Relay global ids: base64("Type:uuid"). Decoding validates both parts so that a malformed
// id is a BAD_USER_INPUT, never a database error.
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { badInput } from "../errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type NodeType = "User" | "Project" | "ProjectImage" | "Lyric" | "Song" | "Video";

export const isUuid = (value: string) => UUID.test(value);

export function toGlobalId(type: NodeType, id: string): string {
  return encodeGlobalID(type, id);
}

/** Decodes a global id and checks it names one of `types`; returns the type and row id. */
export function fromGlobalId<T extends NodeType>(globalId: string, types: readonly T[], field: string): { type: T; id: string } {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw badInput(field, "is not a valid id");
  }
  if (!types.includes(decoded.typename as T) || !isUuid(decoded.id)) {
    throw badInput(field, `is not a valid ${types.join(" or ")} id`);
  }
  return { type: decoded.typename as T, id: decoded.id.toLowerCase() };
}

export const decodeId = (globalId: string, type: NodeType, field: string) => fromGlobalId(globalId, [type], field).id;

/** A uuid no row has: filters with it match nothing (used when nobody is signed in). */
export const NOBODY = "00000000-0000-0000-0000-000000000000";

/** The id to look up for a node, or NOBODY when it is not even a uuid. */
export const nodeRowId = (id: string) => (isUuid(id) ? id.toLowerCase() : NOBODY);

/** Node lookup filter for rows that belong to a project: only the viewer's are found. */
export const inViewerProject = (id: string, viewer: { id: string } | null) => ({
  id: nodeRowId(id),
  project: { ownerId: viewer?.id ?? NOBODY },
});

/** A browser-openable link for an optional blob (null while there is none). */
export const blobUrl = (storage: { readUrl(key: string): Promise<string> }, key: string | null) =>
  key ? storage.readUrl(key) : null;
