// Photo uploads: one multipart request (GraphQL multipart request spec) per file over
// XMLHttpRequest, because fetch cannot report upload progress.
import { print } from "graphql";
import { UploadImagesDocument } from "./gql/graphql";

export const ACCEPTED = ["image/jpeg", "image/png", "image/webp"];
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_FILES = 10;

export type Refusal = { kind: "type"; name: string } | { kind: "size"; name: string } | { kind: "count"; count: number };

/** Splits a selection into files to upload and refusals the user must be told about. */
export function checkFiles(files: File[]): { ok: File[]; refused: Refusal[] } {
  if (files.length > MAX_FILES) return { ok: [], refused: [{ kind: "count", count: files.length }] };
  const ok: File[] = [];
  const refused: Refusal[] = [];
  for (const file of files) {
    if (!ACCEPTED.includes(file.type)) refused.push({ kind: "type", name: file.name });
    else if (file.size > MAX_FILE_BYTES) refused.push({ kind: "size", name: file.name });
    else ok.push(file);
  }
  return { ok, refused };
}

export function uploadImage(opts: {
  projectId: string;
  file: File;
  token: string;
  onProgress(fraction: number): void;
}): Promise<void> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: print(UploadImagesDocument), variables: { projectId: opts.projectId, files: [null] } }));
  form.append("map", JSON.stringify({ 0: ["variables.files.0"] }));
  form.append("0", opts.file, opts.file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/graphql");
    xhr.setRequestHeader("authorization", `Bearer ${opts.token}`);
    // The API's CSRF prevention only accepts multipart requests that carry this header.
    xhr.setRequestHeader("x-graphql-yoga-csrf", "castad-web");
    xhr.setRequestHeader("accept", "application/graphql-response+json, application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new Error("network error"));
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as { errors?: { message: string; extensions?: { code?: string } }[] };
        if (body.errors?.length) reject(Object.assign(new Error(body.errors[0]!.message), { code: body.errors[0]!.extensions?.code }));
        else {
          opts.onProgress(1);
          resolve();
        }
      } catch {
        reject(new Error(`HTTP ${xhr.status}`));
      }
    };
    xhr.send(form);
  });
}
