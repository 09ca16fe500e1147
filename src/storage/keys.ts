// Where things live in blob storage. Everything of a project is under one prefix (so deleting
// a project removes its files in one sweep); generated files are named by generation id, so a
// retry overwrites its previous result instead of adding another.
export const projectBlobPrefix = (projectId: string) => `projects/${projectId}/`;

export const imageBlobKey = (projectId: string, imageId: string, extension: string) =>
  `${projectBlobPrefix(projectId)}images/${imageId}.${extension}`;

export const generationBlobKey = (projectId: string, kind: "songs" | "videos", generationId: string, file: string) =>
  `${projectBlobPrefix(projectId)}${kind}/${generationId}/${file}`;
