import { useEffect, useMemo, useState } from "react";
import { Provider } from "urql";
import { createGraphqlClient } from "./client";
import { I18nContext, initialLang, messages, type Lang } from "./i18n";
import { session, takeReturnTo } from "./session";
import { useStore } from "./store";
import { match, navigate, usePath } from "./router";
import { Header } from "./components/Header";
import { ConnectionBanner } from "./components/ConnectionStatus";
import { AuthPage } from "./pages/AuthPage";
import { ProjectsPage } from "./pages/ProjectsPage";
import { NewProjectPage } from "./pages/NewProjectPage";
import { ProjectPage } from "./pages/ProjectPage";

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = (next: Lang) => {
    localStorage.setItem("castad.lang", next);
    setLangState(next);
  };
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const i18n = useMemo(() => ({ lang, t: messages[lang], setLang }), [lang]);

  const current = useStore(session);
  const userId = current?.user.id ?? null;
  // One client per signed-in user: signing out drops the cache and the socket with it (token
  // refreshes keep both).
  const client = useMemo(() => createGraphqlClient(userId), [userId]);

  const route = match(usePath());
  const signedIn = Boolean(current);
  useEffect(() => {
    if (!signedIn && route.name !== "signin" && route.name !== "signup") navigate("/signin", { replace: true });
    if (signedIn && (route.name === "signin" || route.name === "signup")) navigate(takeReturnTo(), { replace: true });
  }, [signedIn, route.name]);

  let page;
  if (!signedIn) page = <AuthPage mode={route.name === "signup" ? "signup" : "signin"} />;
  else if (route.name === "new") page = <NewProjectPage />;
  else if (route.name === "project") page = <ProjectPage key={route.id} id={route.id} />;
  else page = <ProjectsPage />;

  return (
    <I18nContext.Provider value={i18n}>
      <Provider value={client}>
        <Header />
        <ConnectionBanner />
        <main className="main">{page}</main>
      </Provider>
    </I18nContext.Provider>
  );
}
