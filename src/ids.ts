// Row ids are uuids; the API shows them as Relay global ids, base64("Type:uuid"). Incoming
// global ids are decoded (and their uuid checked) by the schema builder's relay options.
import { encodeGlobalID } from "@pothos/plugin-relay";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type NodeType = "User" | "Project" | "ProjectImage" | "Lyric" | "Song" | "Video";

export const isUuid = (value: string) => UUID.test(value);

export function toGlobalId(type: NodeType, id: string): string {
  return encodeGlobalID(type, id);
}
