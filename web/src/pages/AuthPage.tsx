import { useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { SignInDocument, SignUpDocument } from "../gql/graphql";
import { useI18n } from "../i18n";
import { onLinkClick } from "../router";
import { sessionExpired, signedIn } from "../session";
import { useStore } from "../store";
import { errorText } from "../components/errors";

export function AuthPage({ mode }: { mode: "signin" | "signup" }) {
  const { t } = useI18n();
  const expired = useStore(sessionExpired);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [signUpResult, signUp] = useMutation(SignUpDocument);
  const [signInResult, signIn] = useMutation(SignInDocument);
  const result = mode === "signup" ? signUpResult : signInResult;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const res =
      mode === "signup"
        ? await signUp({ input: { email, password, ...(name ? { name } : {}) } }).then((r) => r.data?.signUp)
        : await signIn({ input: { email, password } }).then((r) => r.data?.signIn);
    if (res) signedIn(res);
  }

  const title = mode === "signup" ? t.signUp : t.signIn;
  return (
    <div className="auth">
      <section className="auth-intro">
        <h1>{t.appName}</h1>
        <p>{t.tagline}</p>
        <ol className="steps-preview" aria-hidden="true">
          <li><span>1</span>{t.stages.LYRIC}</li>
          <li><span>2</span>{t.stages.SONG}</li>
          <li><span>3</span>{t.stages.VIDEO}</li>
        </ol>
      </section>
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h2>{title}</h2>
        {expired && mode === "signin" && <p className="notice">{t.sessionExpired}</p>}
        <label className="field">
          <span>{t.email}</span>
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>{t.password}</span>
          <input type="password" autoComplete={mode === "signup" ? "new-password" : "current-password"} required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby={mode === "signup" ? "password-hint" : undefined} />
          {mode === "signup" && <small id="password-hint">{t.passwordHint}</small>}
        </label>
        {mode === "signup" && (
          <label className="field">
            <span>{t.name}</span>
            <input type="text" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
        )}
        {result.error && <p role="alert" className="error">{errorText(result.error, t.error)}</p>}
        <button type="submit" className="button primary wide" disabled={result.fetching}>
          {title}
        </button>
        <p className="switch">
          {mode === "signup" ? t.haveAccount : t.noAccount}{" "}
          <a href={mode === "signup" ? "/signin" : "/signup"} onClick={onLinkClick(mode === "signup" ? "/signin" : "/signup")}>
            {mode === "signup" ? t.signIn : t.signUp}
          </a>
        </p>
      </form>
    </div>
  );
}
