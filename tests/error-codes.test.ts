// Generation.errorCode is a documented enum: every code the pipeline can store must be in it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GENERATION_ERROR_CODES, toGenerationErrorCode } from "../src/generations/error-codes.js";
import { ProviderErrorCode } from "../src/providers/errors.js";
import { schema } from "../src/schema/index.js";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "generated" ? [] : files(join(dir, e.name))) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));

describe("GenerationErrorCode", () => {
  it("lists every provider code and every code written in the pipeline, each with a description", () => {
    for (const code of Object.values(ProviderErrorCode)) expect(GENERATION_ERROR_CODES).toHaveProperty(code);
    const written = new Set<string>();
    for (const file of files(join(SRC, "jobs")).concat(files(join(SRC, "generations")), files(join(SRC, "resolvers")))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:StepFailure\(|errorCode: |\bcode: )"([A-Z_]+)"/g)) written.add(m[1]!);
      for (const m of text.matchAll(/export const (UPSTREAM_[A-Z]+) = "([A-Z_]+)"/g)) written.add(m[2]!);
    }
    expect(written.size).toBeGreaterThan(4);
    for (const code of written) expect(GENERATION_ERROR_CODES, code).toHaveProperty(code);
    const type = schema.getType("GenerationErrorCode") as unknown as { getValues(): { name: string; description?: string | null }[] };
    for (const value of type.getValues()) expect(value.description, value.name).toBeTruthy();
  });

  it("an unknown stored code reads as OTHER, not as an error", () => {
    expect(toGenerationErrorCode("SOMETHING_NEW")).toBe("OTHER");
    expect(toGenerationErrorCode(null)).toBeNull();
    expect(toGenerationErrorCode("SUNO_SENSITIVE_WORD")).toBe("SUNO_SENSITIVE_WORD");
  });
});
