// Video templates as the API shows them, and the check every video request passes before
// anything is spent: the named (or default) template must exist and be able to make an ad.
import type { SignedInContext } from "../http/context.js";
import { AppError, ErrorCode, badInput, failedPrecondition } from "../errors.js";
import { isProviderError, ProviderErrorCode } from "../providers/errors.js";
import type { VideoTemplateInfo } from "../providers/templates.js";

type Ctx = Pick<SignedInContext, "services">;

/** The provider could not be asked: say so plainly instead of a masked internal error. */
function unavailable(err: unknown): never {
  if (isProviderError(err) && err.code !== ProviderErrorCode.VIDEO_TEMPLATE_NOT_FOUND) {
    throw new AppError(ErrorCode.FAILED_PRECONDITION, `the video templates cannot be read right now (${err.code}); try again shortly`);
  }
  throw err;
}

export async function videoTemplates(ctx: Ctx): Promise<VideoTemplateInfo[]> {
  return ctx.services.templates.list().catch(unavailable);
}

/** The id of the template a new video will use; BAD_USER_INPUT (field templateId) when it cannot be used. */
export async function usableTemplate(ctx: Ctx, templateId: string | null): Promise<string> {
  let info: VideoTemplateInfo;
  try {
    info = await ctx.services.templates.resolve(templateId);
  } catch (err) {
    if (isProviderError(err) && err.code === ProviderErrorCode.VIDEO_TEMPLATE_NOT_FOUND) {
      if (templateId) throw badInput("templateId", "no such video template: see videoTemplates");
      throw failedPrecondition(`no default video template: tag one "${ctx.services.config.creatomate.templateTag}" in Creatomate or set CREATOMATE_TEMPLATE_ID`);
    }
    return unavailable(err);
  }
  if (info.problem) throw badInput("templateId", `template "${info.name || info.id}" cannot make an ad: ${info.problem}`);
  return info.id;
}
