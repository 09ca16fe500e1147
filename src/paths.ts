// Files that ship beside the code (prisma/migrations, web/dist) are found from the module's own
// location, walking up to the package root: src/x.ts under tsx and dist/src/x.js in a build sit
// at different depths, and a process may be started from any working directory.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
})();

/** A path inside the installed package (the folder holding package.json). */
export const packagePath = (...parts: string[]) => join(packageRoot, ...parts);
