// The columns the node types read: the Generation interface's fields and each type's `select`
// (a leaf module: the node types' files import each other through Project, and this must be
// defined before any of them is built).
//
// Lyric, Song, Video and Project are plugin-prisma `select` types: each always reads the columns
// in its type's `select` (these, and its own short ones), and its fields read them from the row;
// a long column (a lyric's text, a project's description) has a field with its own `select` and is
// read only when asked for. A list never reads a lyric's text or a provider's ids it does not show.
// Why not a `select` per field: plugin-prisma checks, for every such field of every row, that the
// row was loaded with it (a response-path lookup), which was an eighth of a 100-song list's CPU.
// The list roots (songs, videos, projects) prune these to the columns their query shows, once
// per request (shown-columns.ts); rows loaded anywhere else read them all.
export const generationSelect = {
  id: true,
  projectId: true,
  status: true,
  progress: true,
  attempt: true,
  errorCode: true,
  errorMessage: true,
  createdAt: true,
  updatedAt: true,
  finishedAt: true,
} as const;

// Each node type's `select` (what a list reads per row; bench/columns.ts measures what they cost).
export const lyricSelect = { ...generationSelect, title: true, language: true, mood: true, style: true } as const;
export const songSelect = {
  ...generationSelect,
  title: true,
  style: true,
  duration: true,
  blobKey: true,
  imageBlobKey: true,
  previewUrl: true,
  selectedTake: true,
} as const;
export const videoSelect = { ...generationSelect, templateId: true, duration: true, width: true, height: true, blobKey: true, thumbnailBlobKey: true } as const;
export const projectSelect = { id: true, storeName: true, address: true, language: true, createdAt: true, updatedAt: true, eventSequence: true } as const;
