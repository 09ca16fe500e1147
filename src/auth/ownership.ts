// Viewer-scoped filters: every lookup of a user's data carries the owner in its WHERE clause,
// so someone else's row is simply not found (NOT_FOUND, never FORBIDDEN: ids do not leak).

/** A uuid no row has: filters with it match nothing (used when nobody is signed in). */
export const NOBODY = "00000000-0000-0000-0000-000000000000";

/** Node lookup filter for rows that belong to a project: only the viewer's are found.
 *  (`id` is a checked uuid: the schema builder decodes every global id.) */
export const inViewerProject = (id: string, viewer: { id: string } | null) => ({
  id,
  project: { ownerId: viewer?.id ?? NOBODY },
});
