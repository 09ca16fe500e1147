import { useCallback, useMemo } from "react";
import { useMutation, useSubscription } from "urql";
import {
  CancelGenerationDocument,
  GenerateAdDocument,
  GenerationUpdatedDocument,
  RetryGenerationDocument,
  type AdRunFieldsFragment,
  type EventFieldsFragment,
  type GenerationKind,
  type GenerationUpdatedSubscription,
} from "../gql/graphql";
import { formatDate, useI18n } from "../i18n";
import { sawSequence } from "../sequences";
import { currentStage } from "../stage-state";
import { errorText } from "./errors";

type Run = AdRunFieldsFragment & { events: EventFieldsFragment[] };
const KINDS: GenerationKind[] = ["LYRIC", "SONG", "VIDEO"];
const ACTIVE = new Set(["QUEUED", "PROCESSING"]);

/**
 * "Make the ad" and the live timeline of the latest run. The page's query gives each run's
 * stored events and the project's head sequence; the subscription continues after it. Events are
 * kept by sequence, so whatever a reconnect delivers twice is shown once.
 */
export function AdPanel(props: { projectId: string; startAfter: number; runs: Run[]; imageCount: number; onStarted(): void }) {
  const { t, lang } = useI18n();
  // urql folds each event into the subscription's data with this reducer (no React state is
  // set while urql delivers results).
  const collect = useCallback(
    (prev: EventFieldsFragment[] | undefined, data: GenerationUpdatedSubscription) => {
      const e = data.generationUpdated;
      sawSequence(props.projectId, e.sequence);
      return [...(prev ?? []), e];
    },
    [props.projectId],
  );
  const [{ data: live }] = useSubscription({ query: GenerationUpdatedDocument, variables: { projectId: props.projectId, after: props.startAfter } }, collect);

  const [startResult, start] = useMutation(GenerateAdDocument);
  const [retryResult, retry] = useMutation(RetryGenerationDocument);
  const [cancelResult, cancel] = useMutation(CancelGenerationDocument);

  const run = props.runs[0];
  const timeline = useMemo(() => {
    if (!run) return [];
    const ids = new Set([run.lyric.id, run.song.id, run.video.id]);
    const all = new Map<number, EventFieldsFragment>();
    for (const e of run.events) all.set(e.sequence, e);
    for (const e of live ?? []) if (ids.has(e.generationId) && !all.has(e.sequence)) all.set(e.sequence, e);
    return [...all.values()].sort((a, b) => a.sequence - b.sequence);
  }, [run, live]);

  const stageOf = (r: Run, kind: GenerationKind) => {
    const stage = kind === "LYRIC" ? r.lyric : kind === "SONG" ? r.song : r.video;
    return r === run ? currentStage(stage, timeline.filter((e) => e.kind === kind)) : stage;
  };
  const busy = props.runs.some((r) => KINDS.some((kind) => ACTIVE.has(stageOf(r, kind).status)));
  const actionError = errorText(startResult.error ?? retryResult.error ?? cancelResult.error, t.error);

  return (
    <section className="card ad" aria-labelledby="ad-title">
      <div className="section-head">
        <h2 id="ad-title">{t.ad}</h2>
        <button
          type="button"
          className="button primary"
          disabled={busy || startResult.fetching || props.imageCount === 0}
          onClick={() => void start({ projectId: props.projectId }).then((r) => r.data && props.onStarted())}
        >
          {t.makeAd}
        </button>
      </div>
      <p className="muted">{props.imageCount === 0 ? t.needPhotos : busy ? t.running : t.makeAdHint}</p>
      {actionError && <p role="alert" className="error">{actionError}</p>}
      {run && (
        <>
          <p className="run-date muted small">{t.run(formatDate(lang, run.createdAt))}</p>
          <ol className="stages">
            {KINDS.map((kind) => {
              const stage = stageOf(run, kind);
              const entries = timeline.filter((e) => e.kind === kind);
              const name = t.stages[kind];
              return (
                <li key={kind} className={`stage stage-${stage.status.toLowerCase()}`} data-kind={kind}>
                  <div className="stage-head">
                    <h3>{name}</h3>
                    <span className={`badge badge-${stage.status.toLowerCase()}`}>{t.status[stage.status]}</span>
                    {stage.attempt > 1 && <span className="muted small">{t.attempt(stage.attempt)}</span>}
                    <span className="stage-actions">
                      {(stage.status === "FAILED" || stage.status === "CANCELLED") && (
                        <button type="button" className="button secondary small" aria-label={`${t.retry} ${name}`} onClick={() => void retry({ id: stage.id })}>
                          {t.retry}
                        </button>
                      )}
                      {ACTIVE.has(stage.status) && (
                        <button type="button" className="button ghost small" aria-label={`${t.cancelStage} ${name}`} onClick={() => void cancel({ id: stage.id })}>
                          {t.cancelStage}
                        </button>
                      )}
                    </span>
                  </div>
                  <div className="bar" role="progressbar" aria-label={name} aria-valuemin={0} aria-valuemax={100} aria-valuenow={stage.progress} aria-valuetext={`${t.status[stage.status]}, ${stage.progress}%`}>
                    <span style={{ width: `${stage.progress}%` }} />
                  </div>
                  {stage.error && (
                    <p className="error small" role="alert" title={stage.error}>
                      {(stage.errorCode && t.errors?.[stage.errorCode]) || stage.error}
                    </p>
                  )}
                  <ol className="entries">
                    {entries.map((e) => (
                      <li key={e.sequence} data-sequence={e.sequence}>
                        <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString(lang === "ko" ? "ko-KR" : "en-US")}</time>
                        <span title={e.message ?? undefined}>{lang === "en" ? (e.message ?? t.step(kind, e.status, e.progress)) : t.step(kind, e.status, e.progress)}</span>
                        <span className="muted">{e.progress}%</span>
                      </li>
                    ))}
                  </ol>
                </li>
              );
            })}
          </ol>
          <Results run={run} />
        </>
      )}
    </section>
  );
}

/** The lyrics as a store owner reads them: the [Verse]/[Chorus] markers the song service needs
 *  become small section headings in the page's language. */
function Lyrics({ text }: { text: string }) {
  const { t } = useI18n();
  const blocks: { section: string | null; lines: string[] }[] = [{ section: null, lines: [] }];
  for (const line of text.split("\n")) {
    const marker = /^\s*\[([^\]]{1,40})\]\s*$/.exec(line);
    if (marker) {
      const name = marker[1]!.trim();
      const known = t.lyricSections[name.toLowerCase().replace(/\s*\d+$/, "")];
      blocks.push({ section: known ? name.replace(/^[^\d]+/, `${known} `).trim() : name, lines: [] });
    } else {
      blocks[blocks.length - 1]!.lines.push(line);
    }
  }
  return (
    <div className="lyrics-text">
      {blocks
        .filter((b) => b.section || b.lines.some((l) => l.trim()))
        .map((b, i) => (
          <section key={i}>
            {b.section && <h4>{b.section}</h4>}
            <p>{b.lines.join("\n").trim()}</p>
          </section>
        ))}
    </div>
  );
}

function Results({ run }: { run: Run }) {
  const { t } = useI18n();
  const { lyric, song, video } = run;
  return (
    <div className="results">
      {lyric.text && (
        <figure className="result lyrics">
          <figcaption>{lyric.title ? `${t.lyricsTitle} · ${lyric.title}` : t.lyricsTitle}</figcaption>
          <Lyrics text={lyric.text} />
        </figure>
      )}
      {song.audioUrl && (
        <figure className="result">
          <figcaption>{song.title ? `${t.songTitle} · ${song.title}` : t.songTitle}</figcaption>
          <audio controls preload="metadata" src={song.audioUrl} />
        </figure>
      )}
      {video.videoUrl && (
        <figure className="result video">
          <figcaption>{t.videoTitle}</figcaption>
          <video controls playsInline preload="metadata" poster={video.thumbnailUrl ?? undefined} src={video.videoUrl} />
          <a className="button secondary small" href={video.videoUrl} download>
            {t.download}
          </a>
        </figure>
      )}
    </div>
  );
}

/** The project's runs before the current one (`hasCurrent`: whether there is a current one). */
export function PastRuns({ runs, hasCurrent }: { runs: Run[]; hasCurrent: boolean }) {
  const { t, lang } = useI18n();
  return (
    <section className="card" aria-labelledby="past-title">
      <h2 id="past-title">{t.pastRuns}</h2>
      {runs.length === 0 && <p className="muted">{hasCurrent ? t.onlyRun : t.noPastRuns}</p>}
      <ul className="past-runs">
        {runs.map((r) => (
          <li key={r.id}>
            <div className="thumb small" aria-hidden="true">{r.video.thumbnailUrl ? <img src={r.video.thumbnailUrl} alt="" /> : null}</div>
            <div>
              <div>{t.run(formatDate(lang, r.createdAt))}</div>
              <span className={`badge badge-${r.status.toLowerCase()}`}>{t.status[r.status]}</span>
            </div>
            {r.video.videoUrl && (
              <a className="button secondary small" href={r.video.videoUrl} target="_blank" rel="noreferrer">
                {t.videoTitle}
              </a>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
