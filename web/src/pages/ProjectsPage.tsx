import { useCallback, useEffect, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { DashboardDocument, ProjectsDocument, type DashboardSubscription } from "../gql/graphql";
import { formatDate, useI18n } from "../i18n";
import { navigate, onLinkClick } from "../router";
import { errorText } from "../components/errors";

const PAGE = 12;

export function ProjectsPage() {
  const { t, lang } = useI18n();
  const [after, setAfter] = useState<string | null>(null);
  // graphcache's relayPagination merges the pages into one list.
  const [{ data, fetching, error }, refetch] = useQuery({ query: ProjectsDocument, variables: { first: PAGE, after } });
  const projects = data?.projects;
  // One subscription for every project on the page (not one per card): what each is doing now.
  type Live = DashboardSubscription["viewerGenerationUpdated"];
  const collect = useCallback((prev: Record<string, Live> | undefined, d: DashboardSubscription) => {
    const e = d.viewerGenerationUpdated;
    const key = `${e.projectId}:${e.kind}`;
    const known = prev?.[key];
    return known && known.sequence >= e.sequence ? prev! : { ...prev, [key]: e };
  }, []);
  const [{ data: live }] = useSubscription({ query: DashboardDocument }, collect);
  const finished = live ? Object.values(live).filter((e) => e.kind === "VIDEO" && e.status === "COMPLETED").map((e) => e.sequence).join() : "";
  // A finished video changes the counts and the thumbnail: ask again.
  useEffect(() => {
    if (finished) refetch({ requestPolicy: "network-only" });
  }, [finished, refetch]);
  const activity = (projectId: string) => {
    const stages = (["LYRIC", "SONG", "VIDEO"] as const).map((k) => live?.[`${projectId}:${k}`]).filter((e) => e !== undefined);
    const working = stages.find((e) => e.status === "PROCESSING") ?? stages.find((e) => e.status === "QUEUED");
    return working ? t.making(t.stages[working.kind], working.progress) : null;
  };
  return (
    <div>
      <div className="page-head">
        <h1>
          {t.projects}
          {projects && <span className="count">{projects.totalCount}</span>}
        </h1>
        <button type="button" className="button primary" onClick={() => navigate("/projects/new")}>
          {t.newProject}
        </button>
      </div>
      {error && <p role="alert" className="error">{errorText(error, t.error)}</p>}
      {!projects && fetching && <p className="muted">{t.loading}</p>}
      {projects && projects.edges.length === 0 && <div className="empty card">{t.noProjects}</div>}
      <ul className="project-grid">
        {projects?.edges.map(({ node: p }) => {
          const thumb = p.videos.edges[0]?.node.thumbnailUrl;
          const href = `/projects/${encodeURIComponent(p.id)}`;
          return (
            <li key={p.id} className="card project-card">
              <a href={href} onClick={onLinkClick(href)}>
                <div className="thumb" aria-hidden="true">
                  {thumb ? <img src={thumb} alt="" /> : <span>{p.storeName.slice(0, 1).toUpperCase()}</span>}
                </div>
                <h2>{p.storeName}</h2>
              </a>
              {p.address && <p className="muted">{p.address}</p>}
              <p className="counts">{t.counts(p.imageCount, p.videos.totalCount, p.adRuns.totalCount)}</p>
              {activity(p.id) && <p className="activity">{activity(p.id)}</p>}
              <p className="muted small">{formatDate(lang, p.updatedAt)}</p>
            </li>
          );
        })}
      </ul>
      {projects?.pageInfo.hasNextPage && (
        <div className="center">
          <button type="button" className="button secondary" disabled={fetching} onClick={() => setAfter(projects.pageInfo.endCursor ?? null)}>
            {t.loadMore}
          </button>
        </div>
      )}
    </div>
  );
}
