import { useI18n } from "../i18n";
import { print } from "graphql";
import { SignOutDocument } from "../gql/graphql";
import { session, signOut } from "../session";

/** Ends the session on the server (its tokens stop working), then forgets it here. */
async function signOutEverywhere(refreshToken: string) {
  try {
    await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: print(SignOutDocument), variables: { refreshToken } }),
    });
  } catch {
    // Offline: the refresh token still expires on its own.
  } finally {
    signOut();
  }
}
import { useStore } from "../store";
import { onLinkClick } from "../router";
import { ConnectionStatus } from "./ConnectionStatus";

export function Header() {
  const { t, lang, setLang } = useI18n();
  const current = useStore(session);
  return (
    <header className="header">
      <a className="brand" href="/" onClick={onLinkClick("/")}>
        <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
          <rect width="32" height="32" rx="8" fill="currentColor" />
          <path d="M12 9l12 7-12 7z" fill="#fff" />
        </svg>
        <span>{t.appName}</span>
      </a>
      <div className="header-right">
        <ConnectionStatus />
        <button type="button" className="link-button" lang={lang === "en" ? "ko" : "en"} aria-label={t.switchLanguageLabel} onClick={() => setLang(lang === "en" ? "ko" : "en")}>
          {t.switchLanguage}
        </button>
        {current && (
          <>
            <span className="who" title={current.user.email}>{current.user.email}</span>
            <button type="button" className="button secondary small" onClick={() => void signOutEverywhere(current.refreshToken)}>
              {t.signOut}
            </button>
          </>
        )}
      </div>
    </header>
  );
}
