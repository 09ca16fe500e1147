import { useRef, useState, type DragEvent } from "react";
import { useMutation } from "urql";
import { DeleteImageDocument, ReorderImagesDocument, type ImageFieldsFragment } from "../gql/graphql";
import { useI18n, type Messages } from "../i18n";
import { accessToken } from "../session";
import { checkFiles, uploadImage, ACCEPTED, MAX_FILES, MAX_FILE_BYTES, type Refusal } from "../upload";
import { errorText } from "./errors";

interface Pending {
  key: string;
  name: string;
  preview: string;
  progress: number;
  error?: string;
}

function refusalText(t: Messages, r: Refusal) {
  if (r.kind === "type") return t.refusedType(r.name);
  if (r.kind === "size") return t.refusedSize(r.name, MAX_FILE_BYTES / 1024 / 1024);
  return t.refusedCount(MAX_FILES, r.count);
}

let nextKey = 0;

export function Photos({ projectId, images, onUploaded }: { projectId: string; images: ImageFieldsFragment[]; onUploaded(): void }) {
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  const [pending, setPending] = useState<Pending[]>([]);
  const [refusals, setRefusals] = useState<Refusal[]>([]);
  const [dragging, setDragging] = useState(false);
  const [deleteResult, deleteImage] = useMutation(DeleteImageDocument);
  const [reorderResult, reorder] = useMutation(ReorderImagesDocument);

  /** Moves one photo one place earlier (-1) or later (+1); the video uses this order. */
  const move = (index: number, by: -1 | 1) => {
    const ids = images.map((i) => i.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id!);
    void reorder({ projectId, imageIds: ids }).then(onUploaded);
  };

  const update = (key: string, patch: Partial<Pending>) => setPending((list) => list.map((p) => (p.key === key ? { ...p, ...patch } : p)));

  async function add(files: File[]) {
    const { ok, refused } = checkFiles(files);
    setRefusals(refused);
    if (ok.length === 0) return;
    const items = ok.map((file) => ({ file, key: `p${nextKey++}` }));
    setPending((list) => [...list, ...items.map(({ file, key }) => ({ key, name: file.name, preview: URL.createObjectURL(file), progress: 0 }))]);
    // One at a time, in the order chosen: the photos keep that order in the video.
    for (const { file, key } of items) {
      try {
        const token = await accessToken();
        if (!token) return;
        await uploadImage({ projectId, file, token, onProgress: (f) => update(key, { progress: f }) });
        setPending((list) => list.filter((p) => p.key !== key));
        onUploaded();
      } catch (err) {
        update(key, { error: t.uploadFailed(file.name, (err as Error).message) });
      }
    }
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void add([...e.dataTransfer.files]);
  };

  return (
    <section className="card photos">
      <h2 id="photos-title">{t.photos}</h2>
      <div
        className={`dropzone${dragging ? " dragging" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
          <path fill="currentColor" d="M19 7v2.99s-1.99.01-2 0V7h-3s.01-1.99 0-2h3V2h2v3h3v2h-3zm-3 4V8h-3V5H5c-1.1 0-2 .9-2 2v12c0 1.1.9 2 2 2h12c1.1 0 2-.9 2-2v-8h-3zM5 19l3-4 2 3 3-4 4 5H5z" />
        </svg>
        <p>{t.photosHint}</p>
        <label className="button secondary">
          {t.choosePhotos}
          <input
            ref={input}
            className="visually-hidden"
            type="file"
            multiple
            accept={ACCEPTED.join(",")}
            aria-label={t.photos}
            onChange={(e) => {
              void add([...(e.target.files ?? [])]);
              e.target.value = "";
            }}
          />
        </label>
      </div>
      {refusals.length > 0 && (
        <ul role="alert" className="error-list">
          {refusals.map((r, i) => (
            <li key={i}>{refusalText(t, r)}</li>
          ))}
        </ul>
      )}
      {(deleteResult.error ?? reorderResult.error) && <p role="alert" className="error">{errorText(deleteResult.error ?? reorderResult.error, t.error)}</p>}
      {images.length === 0 && pending.length === 0 && <p className="muted">{t.noPhotos}</p>}
      <ul className="photo-grid">
        {images.map((img, index) => (
          <li key={img.id} className="photo">
            <img src={img.url} alt={img.fileName} loading="lazy" />
            <span className="photo-number" aria-hidden="true">{index + 1}</span>
            <span className="photo-moves">
              <button type="button" className="icon-button small" disabled={index === 0 || reorderResult.fetching} aria-label={t.moveEarlier(img.fileName)} title={t.moveEarlier(img.fileName)} onClick={() => move(index, -1)}>
                ‹
              </button>
              <button type="button" className="icon-button small" disabled={index === images.length - 1 || reorderResult.fetching} aria-label={t.moveLater(img.fileName)} title={t.moveLater(img.fileName)} onClick={() => move(index, 1)}>
                ›
              </button>
            </span>
            <button type="button" className="icon-button" aria-label={t.deletePhoto(img.fileName)} title={t.deletePhoto(img.fileName)} onClick={() => void deleteImage({ id: img.id }).then(onUploaded)}>
              ×
            </button>
          </li>
        ))}
        {pending.map((p) => (
          <li key={p.key} className={`photo pending${p.error ? " failed" : ""}`}>
            <img src={p.preview} alt={p.name} />
            {p.error ? (
              <p role="alert" className="error small">{p.error}</p>
            ) : (
              <div className="bar" role="progressbar" aria-label={t.uploading(p.name)} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p.progress * 100)}>
                <span style={{ width: `${Math.round(p.progress * 100)}%` }} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
