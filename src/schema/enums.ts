import { GenerationKind, GenerationStatus, Language } from "../generated/prisma/enums.js";
import { builder } from "./builder.js";
import { GENERATION_ERROR_CODES, type GenerationErrorCode } from "../generations/error-codes.js";

export const GenerationStatusEnum = builder.enumType(GenerationStatus, {
  name: "GenerationStatus",
  description: "Where a lyric, song or video generation stands.",
});
export const LanguageEnum = builder.enumType(Language, { name: "Language" });
export const GenerationKindEnum = builder.enumType(GenerationKind, { name: "GenerationKind" });

export const GenerationErrorCodeEnum = builder.enumType("GenerationErrorCode", {
  description: "Why a lyric, song or video FAILED or was CANCELLED (Generation.errorCode). Stable: clients may switch on it.",
  values: Object.fromEntries(Object.entries(GENERATION_ERROR_CODES).map(([code, description]) => [code, { description }])) as Record<
    GenerationErrorCode,
    { description: string }
  >,
});
