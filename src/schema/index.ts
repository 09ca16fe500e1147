// Importing each entity file registers its types and root fields on the builder.
import { builder } from "./builder.js";
import "./scalars.js";
import "./enums.js";
import "./user.js";
import "./project.js";
import "./project-image.js";
import "./generation.js";
import "./lyric.js";
import "./song.js";
import "./video.js";
import "./ad-run.js";
import "./video-template.js";
import "./auth.js";
import "./generation-mutations.js";
import "./generation-event.js";

export const schema = builder.toSchema({ sortSchema: true });
