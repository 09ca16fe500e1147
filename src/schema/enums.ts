import { GenerationKind, GenerationStatus, Language } from "../generated/prisma/enums.js";
import { builder } from "./builder.js";

export const GenerationStatusEnum = builder.enumType(GenerationStatus, {
  name: "GenerationStatus",
  description: "Where a lyric, song or video generation stands.",
});
export const LanguageEnum = builder.enumType(Language, { name: "Language" });
export const GenerationKindEnum = builder.enumType(GenerationKind, { name: "GenerationKind" });
