// Client-side routes on the History API (the server answers every app path with index.html).
import { createStore, useStore } from "./store";

const path = createStore(window.location.pathname);
window.addEventListener("popstate", () => path.set(window.location.pathname));

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === window.location.pathname) return;
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  path.set(to);
  window.scrollTo(0, 0);
}

export const usePath = () => useStore(path);

export type Route = { name: "projects" } | { name: "new" } | { name: "project"; id: string } | { name: "signin" } | { name: "signup" };

export function match(p: string): Route {
  if (p === "/signin") return { name: "signin" };
  if (p === "/signup") return { name: "signup" };
  if (p === "/projects/new") return { name: "new" };
  const m = /^\/projects\/([^/]+)$/.exec(p);
  if (m) return { name: "project", id: decodeURIComponent(m[1]!) };
  return { name: "projects" };
}

/** A plain link that navigates without reloading the page. */
export function onLinkClick(to: string) {
  return (e: { preventDefault(): void; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; button: number }) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
}
