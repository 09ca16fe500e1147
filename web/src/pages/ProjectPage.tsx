import { useEffect, useState } from "react";
import { useMutation, useQuery } from "urql";
import { ProjectPageDocument, UpdateProjectDocument } from "../gql/graphql";
import { useI18n } from "../i18n";
import { onLinkClick } from "../router";
import { startFrom } from "../sequences";
import { ProjectForm } from "../components/ProjectForm";
import { Photos } from "../components/Photos";
import { AdPanel, PastRuns } from "../components/AdPanel";
import { errorText } from "../components/errors";

export function ProjectPage({ id }: { id: string }) {
  const { t } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ProjectPageDocument, variables: { id }, requestPolicy: "network-only" });
  const [saveResult, save] = useMutation(UpdateProjectDocument);
  const [saved, setSaved] = useState(false);
  // Where the live stream starts: the head sequence of the first answer. Fixed for the page's
  // life, so refetches never restart the subscription.
  const project = data?.project;
  const [startAfter, setStartAfter] = useState<number | null>(null);
  useEffect(() => {
    if (project && startAfter === null) {
      startFrom(project.id, project.lastEventSequence);
      setStartAfter(project.lastEventSequence);
    }
  }, [project, startAfter]);
  const reload = () => refetch({ requestPolicy: "network-only" });

  if (error && !data) return <p role="alert" className="error">{errorText(error, t.error)}</p>;
  if (!data) return <p className="muted">{fetching ? t.loading : ""}</p>;
  if (!project) return <p role="alert" className="error">{t.notFound}</p>;
  const runs = project.adRuns.edges.map((e) => e.node);

  return (
    <div className="project-page">
      <a className="back" href="/" onClick={onLinkClick("/")}>
        ← {t.back}
      </a>
      <h1>{project.storeName}</h1>
      <div className="columns">
        <div className="col-main">
          {startAfter !== null && <AdPanel projectId={project.id} startAfter={startAfter} runs={runs} imageCount={project.images.length} onStarted={reload} />}
          <Photos projectId={project.id} images={project.images} onUploaded={reload} />
        </div>
        <div className="col-side">
          <section className="card" aria-labelledby="details-title">
            <h2 id="details-title">{t.details}</h2>
            <ProjectForm
              key={project.id}
              initial={{ storeName: project.storeName, address: project.address ?? "", description: project.description ?? "", language: project.language }}
              submitLabel={t.save}
              busy={saveResult.fetching}
              done={saved}
              error={errorText(saveResult.error, t.error)}
              onSubmit={async (v) => {
                setSaved(false);
                const res = await save({
                  id: project.id,
                  input: { storeName: v.storeName.trim(), address: v.address.trim() || null, description: v.description.trim() || null, language: v.language },
                });
                setSaved(Boolean(res.data));
              }}
            />
          </section>
          <PastRuns runs={runs.slice(1)} hasCurrent={runs.length > 0} />
        </div>
      </div>
    </div>
  );
}
