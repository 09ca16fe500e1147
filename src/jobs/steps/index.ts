// The step that runs each stage's jobs (typed by the stages table, so a stage without a step
// does not compile), and the stages a provider's webhook wakes.
import type { Kind } from "../../generations/stages.js";
import type { Step } from "../runner.js";
import { lyricStep } from "./lyric.js";
import type { ProviderTask, TaskState } from "./provider-task.js";
import { songStep, songTask } from "./song.js";
import { videoStep, videoTask } from "./video.js";

export const STEPS: { [K in Kind]: Step<K> } = { LYRIC: lyricStep, SONG: songStep, VIDEO: videoStep };

export const PROVIDER_TASKS: readonly Pick<ProviderTask<Kind, TaskState>, "kind" | "taskIdInCallback">[] = [songTask, videoTask];
