// Importing each type file registers it on the builder; the order only matters for imports.
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
import "./query.js";
import "./auth.js";
import "./project-mutations.js";
import "./generation-mutations.js";
import "./generation-event.js";

export const schema = builder.toSchema({ sortSchema: true });
