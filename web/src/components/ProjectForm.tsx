import { useState, type FormEvent } from "react";
import type { Language } from "../gql/graphql";
import { useI18n } from "../i18n";

export interface ProjectValues {
  storeName: string;
  address: string;
  description: string;
  language: Language;
}

const LANGUAGES: { value: Language; label: string }[] = [
  { value: "KO", label: "한국어" },
  { value: "EN", label: "English" },
  { value: "JA", label: "日本語" },
  { value: "ZH", label: "中文" },
];

export function ProjectForm(props: {
  initial: ProjectValues;
  submitLabel: string;
  busy: boolean;
  error: string | null;
  done?: boolean;
  onSubmit(values: ProjectValues): void;
  onCancel?: () => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState(props.initial);
  const set = (key: keyof ProjectValues) => (e: { target: { value: string } }) => setValues({ ...values, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit(values);
  };
  return (
    <form className="project-form" onSubmit={submit}>
      <label className="field">
        <span>{t.storeName}</span>
        <input type="text" required maxLength={100} value={values.storeName} onChange={set("storeName")} />
      </label>
      <label className="field">
        <span>{t.address}</span>
        <input type="text" maxLength={300} autoComplete="street-address" value={values.address} onChange={set("address")} />
      </label>
      <label className="field">
        <span>{t.description}</span>
        <textarea rows={3} maxLength={2000} value={values.description} onChange={set("description")} />
      </label>
      <label className="field">
        <span>{t.language}</span>
        <select value={values.language} onChange={set("language")}>
          {LANGUAGES.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
      </label>
      {props.error && <p role="alert" className="error">{props.error}</p>}
      <div className="actions">
        <button type="submit" className="button primary" disabled={props.busy || !values.storeName.trim()}>
          {props.busy ? t.saving : props.submitLabel}
        </button>
        {props.done && !props.busy && <span className="saved" role="status">{t.saved}</span>}
        {props.onCancel && (
          <button type="button" className="button secondary" onClick={props.onCancel}>
            {t.cancel}
          </button>
        )}
      </div>
    </form>
  );
}
