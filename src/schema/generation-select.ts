// The columns the Generation interface's fields read (a leaf module: the node types' files import
// each other through Project, and this must be defined before any of them is built). Lyric, Song
// and Video load these and, beyond them, only the columns the query asks for (plugin-prisma
// `select` mode), so a list never reads a lyric's text or a provider's ids it does not show.
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
