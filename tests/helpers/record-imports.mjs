// `node --import ./tests/helpers/record-imports.mjs …` appends the URL of every module the
// process resolves to $RECORD_IMPORTS_FILE (a test reads it to see what a process loaded).
import { register } from "node:module";

register("./record-imports-hooks.mjs", import.meta.url, { data: { file: process.env.RECORD_IMPORTS_FILE } });
