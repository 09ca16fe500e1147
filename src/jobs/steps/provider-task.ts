// The skeleton of a stage whose work a provider does (Suno's song, Creatomate's render): submit
// the task once and store its id, park until the provider's webhook (or the next poll) says it is
// done, stream the result and its picture into our storage, complete. A stage configures it with
// its own provider calls and words (song.ts, video.ts).
import type { CopyResult } from "../../providers/index.js";
import { providerIdOf, STAGES, type Kind, type PatchFor, type RowFor } from "../../generations/stages.js";
import { generationBlobKey } from "../../storage/keys.js";
import { callbackUrl } from "../callbacks.js";
import { ProviderTaskFailed, describeFailure } from "../failures.js";
import { DONE, doneWith, pollDelay, waitedMs, type Step, type WorkerDeps } from "../runner.js";
import { advance, complete, copyPicture, copyReporter } from "./common.js";
import { beginSubmission, forgetSubmission, pendingSubmission, recordSubmitted } from "../submissions.js";
import { isProviderError } from "../../providers/errors.js";

/** What the providers' clients say about a task (SunoTaskState, CreatomateRender). */
export interface TaskState {
  state: "pending" | "succeeded" | "failed";
  /** 0..100, the provider's own estimate. */
  progress: number;
  providerStatus: string;
}

/** A finished task's file, and how to describe it once it is stored. */
interface TaskResult<K extends Kind> {
  url: string;
  pictureUrl: string | null;
  /** Blob names with their extension and content type (default: the stage's `blobs`). */
  file?: { name: string; contentType: string };
  picture?: string;
  /** After the result is stored and before the stage completes: more files to keep (e.g. the
   *  song's other take). Returns the keys it wrote, removed again if the stage ends meanwhile. */
  extras?(deps: WorkerDeps, row: RowFor<K>, stored: CopyResult & { key: string; pictureKey: string | null }): Promise<string[]>;
  /** Stored when the copy starts. */
  saving?: PatchFor<K>;
  /** The result columns, given the stored file and picture (null when it could not be copied). */
  completed(file: CopyResult & { key: string }, pictureKey: string | null): PatchFor<K>;
}

export interface ProviderTask<K extends Kind, S extends TaskState> {
  kind: K;
  provider: "suno" | "creatomate";
  /** Blob folder and file names of the result and its picture. */
  blobs: { folder: Parameters<typeof generationBlobKey>[1]; file: string; picture: string; contentType?: string; maxBytes: number };
  messages: {
    start: string;
    /** Once the provider has accepted the task. */
    submitted: string;
    /** By the provider's status while it works; `working` for any other. */
    pending: Record<string, string>;
    working: string;
    ready: string;
  };
  /** Sends the task to the provider; returns its id and any other columns to store with it.
   *  Calls `sending()` right before the provider request (it records the submission). */
  submit(deps: WorkerDeps, row: RowFor<K>, callbackUrl: string, sending: () => Promise<void>): Promise<{ id: string; data?: PatchFor<K> }>;
  check(deps: WorkerDeps, providerId: string): Promise<S>;
  /** The error a failed task ends the generation with. */
  failure(state: S): Error;
  /** Columns to store while the provider works (e.g. a preview that already plays). */
  pending?(state: S, row: RowFor<K>): PatchFor<K> | undefined;
  /** The file of a succeeded task; null while the provider has not made it downloadable yet. */
  result(state: S, row: RowFor<K>): TaskResult<K> | null;
  /** The provider's task id in a body its webhook sends (throws when not understood). */
  taskIdInCallback(body: unknown): string;
}

/** Provider progress fills 10..75; the copy into storage takes 80..95. */
const SUBMITTED = 10;
const SAVING = 80;
const SAVED = 95;

export function providerTaskStep<K extends Kind, S extends TaskState>(task: ProviderTask<K, S>): Step<K> {
  const { kind, blobs, messages } = task;
  const stage = STAGES[kind];
  const providerId = stage.providerId;
  if (!providerId) throw new Error(`the ${stage.label} stage has no provider-id column`);
  const run: Step<K>["run"] = async (deps, initial) => {
    let row: RowFor<K> | null = initial;
    const taskId = providerIdOf(kind, row);
    if (taskId === null) {
      // A submission of this attempt may already have reached the provider (submissions.ts).
      const pending = await pendingSubmission(deps, kind, row.id, row.attempt);
      if (pending && "taskId" in pending) {
        deps.log.info({ kind, generationId: row.id, taskId: pending.taskId }, "resuming a task submitted before an interruption");
        row = await advance(deps, kind, row, SUBMITTED, messages.submitted, providerId.write(pending.taskId));
        return row ? { waitMs: 0 } : DONE;
      }
      if (pending) return { waitMs: pending.waitMs }; // wait for the provider's callback first
      const current = row;
      let submitted: Awaited<ReturnType<typeof task.submit>>;
      try {
        submitted = await task.submit(deps, row, callbackUrl(deps.config, kind, row.id), () => beginSubmission(deps, kind, current.id, current.attempt));
      } catch (err) {
        // The provider answered "no": nothing was accepted, a later run may submit at once.
        if (isProviderError(err) && err.status !== undefined) await forgetSubmission(deps, kind, row.id, row.attempt);
        throw err;
      }
      await recordSubmitted(deps, kind, row.id, row.attempt, submitted.id);
      // Stored before anything else: from here on a crash resumes this task, never resubmits.
      row = await advance(deps, kind, row, SUBMITTED, messages.submitted, { ...providerId.write(submitted.id), ...submitted.data });
      if (!row) return DONE;
      return { waitMs: pollDelay(deps, 0, task.provider) };
    }

    const state = await task.check(deps, taskId);
    if (state.state === "failed") {
      const failure = task.failure(state);
      const info = describeFailure(failure);
      if (info.retryable) {
        // This task is over; a new one may succeed: forget it (and its submission record, or
        // the next run would adopt it again) so that the next attempt submits afresh.
        await forgetSubmission(deps, kind, row.id, row.attempt);
        await advance(deps, kind, row, SUBMITTED, messages.working, providerId.write(null));
        throw new ProviderTaskFailed(info.code, info.message);
      }
      throw failure;
    }
    if (state.state === "pending") {
      const pct = SUBMITTED + (state.progress * 65) / 100;
      row = await advance(deps, kind, row, pct, messages.pending[state.providerStatus] ?? messages.working, task.pending?.(state, row));
      return row ? { waitMs: pollDelay(deps, waitedMs(row), task.provider) } : DONE;
    }
    const result = task.result(state, row);
    // Succeeded without a downloadable file yet: look again shortly.
    if (!result) return { waitMs: pollDelay(deps, 0) };

    row = await advance(deps, kind, row, SAVING, `Saving the ${stage.label} to storage`, result.saving);
    if (!row) return DONE;
    const key = generationBlobKey(row.projectId, blobs.folder, row.id, result.file?.name ?? blobs.file);
    const reporter = copyReporter(deps, kind, row, SAVING, SAVED, stage.label);
    const copied = await deps.providers.copyUrlToBlob({
      url: result.url,
      storage: deps.storage,
      key,
      contentType: result.file?.contentType ?? blobs.contentType,
      maxBytes: blobs.maxBytes,
      provider: task.provider,
      onProgress: reporter.onProgress,
    });
    row = await reporter.settle();
    if (!row) return DONE;
    const pictureKey = await copyPicture(deps, result.pictureUrl, generationBlobKey(row.projectId, blobs.folder, row.id, result.picture ?? blobs.picture), task.provider, row.id);
    const extraKeys = result.extras ? await result.extras(deps, row, { ...copied, key, pictureKey }) : [];
    return doneWith(await complete(deps, kind, row, result.completed({ ...copied, key }, pictureKey), messages.ready, [key, pictureKey, ...extraKeys]));
  };
  return { start: { message: messages.start, progress: 5 }, run };
}
