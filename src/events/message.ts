// The event message: one stored GenerationEvent as it travels between processes (JSON-safe).
import type { GenerationKind, GenerationStatus } from "../generated/prisma/enums.js";

/** What is published for each stored GenerationEvent (JSON-safe). */
export interface GenerationEventMessage {
  sequence: number;
  projectId: string;
  kind: GenerationKind;
  generationId: string;
  status: GenerationStatus;
  progress: number;
  message: string | null;
  at: string;
}
