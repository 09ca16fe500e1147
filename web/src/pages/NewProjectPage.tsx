import { useMutation } from "urql";
import { CreateProjectDocument } from "../gql/graphql";
import { useI18n } from "../i18n";
import { navigate } from "../router";
import { ProjectForm } from "../components/ProjectForm";
import { errorText } from "../components/errors";

export function NewProjectPage() {
  const { t, lang } = useI18n();
  const [result, create] = useMutation(CreateProjectDocument);
  return (
    <div className="narrow">
      <h1>{t.newProject}</h1>
      <div className="card">
        <ProjectForm
          initial={{ storeName: "", address: "", description: "", language: lang === "ko" ? "KO" : "EN" }}
          submitLabel={t.create}
          busy={result.fetching}
          error={errorText(result.error, t.error)}
          onCancel={() => navigate("/")}
          onSubmit={async (v) => {
            const res = await create({
              input: { storeName: v.storeName.trim(), address: v.address.trim() || null, description: v.description.trim() || null, language: v.language },
            });
            if (res.data) navigate(`/projects/${encodeURIComponent(res.data.createProject.id)}`);
          }}
        />
      </div>
    </div>
  );
}
