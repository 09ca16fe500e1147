// Helpers for browser tests: the built web app served by a real castad (tests/helpers/pipeline.ts
// startStack), Debian's Chromium driven by playwright-core, and screenshots saved as artefacts
// (tests/e2e/artifacts, gitignored) to look at.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

/** Rebuilds web/dist when a web source is newer (npm ci builds it; this covers local edits). */
export function ensureWebBuilt() {
  execFileSync(process.execPath, ["scripts/build-web.mjs", "--if-stale"], { cwd: ROOT, stdio: "pipe" });
  if (!existsSync(`${ROOT}web/dist/index.html`)) throw new Error("web/dist/index.html is missing after the build");
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Transitions finished (a progress bar's width animates for 0.3 s): the page as it settles.
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true, animations: "disabled" });
}

/** Records every state the connection indicator shows, from the first paint on. */
export const RECORD_CONNECTION_STATES = () => {
  const w = window as unknown as { __connectionStates: string[] };
  w.__connectionStates = [];
  const record = () => {
    const state = document.querySelector('[role="status"][data-state]')?.getAttribute("data-state");
    if (state && w.__connectionStates.at(-1) !== state) w.__connectionStates.push(state);
  };
  new MutationObserver(record).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
};

/** Two sample photos from the sandbox, as the browser's file picker would hand them over. */
export async function samplePhotos(sandboxUrl: string) {
  return Promise.all(
    [1, 2].map(async (i) => ({
      name: `store-${i}.png`,
      mimeType: "image/png",
      buffer: Buffer.from(await (await fetch(`${sandboxUrl}/media/samples/photo-${i}.png?w=640&h=360`)).arrayBuffer()),
    })),
  );
}
