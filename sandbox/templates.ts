/**
 * Creatomate templates served by the sandbox. The two "Sandbox Slideshow" templates have:
 *   Image-1 … Image-5  (type image)  — photo URLs
 *   Music              (type audio)  — song URL
 *   Text-1             (type text)   — lyrics
 *   Title              (type text)   — store name
 * "Castad Jingle 30s" (tag `castad`) names its slots for what they hold: Image-1 … Image-5, Music,
 * Lyrics, Store-Name, Address; it runs 30 s. "Photo Card" has no audio element (an incompatible
 * template for an ad with a song).
 */

export const SANDBOX_TEMPLATE_IDS = {
  /** 16:9, 1280x720 */
  landscape: "4f1d8a52-6b3e-4c9a-9e27-5a0c1b7d3e10",
  /** 9:16, 720x1280 */
  portrait: "9b2e6c14-3d7f-4a58-b1c9-0e4f2a6d8c21",
  /** 16:9, 30 s, tagged `castad`, explicitly named slots */
  castad: "c4a7d2e9-1f3b-4e6a-8d5c-7b9e0a1f2c33",
  /** image only, no audio element */
  photoCard: "e8b3f1a6-5c2d-4b7e-9a0f-3d6c8e1b4a57",
} as const;

export const SANDBOX_TEMPLATE_ELEMENTS = ["Image-1", "Image-2", "Image-3", "Image-4", "Image-5", "Music", "Text-1", "Title"] as const;

export interface TemplateElement {
  id: string;
  name: string;
  type: "image" | "audio" | "text";
  track: number;
  time: number;
  duration: number | null;
  [key: string]: unknown;
}

export interface SandboxTemplate {
  id: string;
  name: string;
  tags: string[];
  created_at: string;
  updated_at: string;
  source: {
    output_format: "mp4" | "jpg";
    width: number;
    height: number;
    frame_rate: number;
    duration: number;
    snapshot_time?: number;
    elements: TemplateElement[];
  };
}

function elements(prefix: string, width: number, height: number): TemplateElement[] {
  const images: TemplateElement[] = [1, 2, 3, 4, 5].map((n) => ({
    id: `${prefix}-img-${n}`,
    name: `Image-${n}`,
    type: "image",
    track: 1,
    time: (n - 1) * 3,
    duration: 3,
    fit: "cover",
    animations: [{ type: "scale", easing: "linear", scope: "element", start_scale: "100%", end_scale: "115%" }],
  }));
  return [
    ...images,
    { id: `${prefix}-music`, name: "Music", type: "audio", track: 2, time: 0, duration: null, audio_fade_out: 2 },
    {
      id: `${prefix}-text-1`,
      name: "Text-1",
      type: "text",
      track: 3,
      time: 0,
      duration: null,
      y: "80%",
      width: "90%",
      height: "15%",
      font_family: "Noto Sans",
      font_size: `${Math.round(height / 24)} px`,
      fill_color: "#ffffff",
      text: "Lyrics go here",
    },
    {
      id: `${prefix}-title`,
      name: "Title",
      type: "text",
      track: 4,
      time: 0,
      duration: 3,
      y: "15%",
      width: width >= height ? "80%" : "90%",
      font_family: "Noto Sans",
      font_weight: "700",
      font_size: `${Math.round(height / 10)} px`,
      fill_color: "#ffffff",
      text: "Store name",
    },
  ];
}

function castadElements(): TemplateElement[] {
  const text = (id: string, name: string, y: string, time: number, duration: number | null, sample: string): TemplateElement => ({
    id, name, type: "text", track: 4, time, duration, y, width: "90%", font_family: "Noto Sans", font_size: "40 px", fill_color: "#ffffff", text: sample,
  });
  return [
    ...[1, 2, 3, 4, 5].map((n): TemplateElement => ({ id: `c-img-${n}`, name: `Image-${n}`, type: "image", track: 1, time: (n - 1) * 6, duration: 6, fit: "cover" })),
    { id: "c-music", name: "Music", type: "audio", track: 2, time: 0, duration: null, audio_fade_out: 2 },
    text("c-lyrics", "Lyrics", "82%", 0, null, "Lyrics go here"),
    text("c-store", "Store-Name", "15%", 0, 4, "Store name"),
    text("c-address", "Address", "15%", 26, 4, "Address"),
  ];
}

const CREATED = "2025-01-15T09:00:00.000Z";
const UPDATED = "2025-06-01T12:00:00.000Z";

export const SANDBOX_TEMPLATES: readonly SandboxTemplate[] = [
  {
    id: SANDBOX_TEMPLATE_IDS.landscape,
    name: "Sandbox Slideshow 16:9",
    tags: ["sandbox", "slideshow", "landscape"],
    created_at: CREATED,
    updated_at: UPDATED,
    source: {
      output_format: "mp4",
      width: 1280,
      height: 720,
      frame_rate: 25,
      duration: 15,
      elements: elements("l", 1280, 720),
    },
  },
  {
    id: SANDBOX_TEMPLATE_IDS.portrait,
    name: "Sandbox Slideshow 9:16",
    tags: ["sandbox", "slideshow", "portrait"],
    created_at: CREATED,
    updated_at: UPDATED,
    source: {
      output_format: "mp4",
      width: 720,
      height: 1280,
      frame_rate: 25,
      duration: 15,
      elements: elements("p", 720, 1280),
    },
  },

  {
    id: SANDBOX_TEMPLATE_IDS.castad,
    name: "Castad Jingle 30s",
    tags: ["castad", "landscape"],
    created_at: CREATED,
    updated_at: "2025-09-01T12:00:00.000Z",
    source: { output_format: "mp4", width: 1280, height: 720, frame_rate: 25, duration: 30, elements: castadElements() },
  },
  {
    id: SANDBOX_TEMPLATE_IDS.photoCard,
    name: "Photo Card",
    tags: ["sandbox", "image"],
    created_at: CREATED,
    updated_at: UPDATED,
    source: {
      output_format: "jpg",
      width: 1080,
      height: 1080,
      frame_rate: 25,
      duration: 5,
      elements: [
        { id: "pc-img", name: "Image-1", type: "image", track: 1, time: 0, duration: null, fit: "cover" },
        { id: "pc-title", name: "Title", type: "text", track: 2, time: 0, duration: null, y: "85%", text: "Store name" },
      ],
    },
  },
];

export function findTemplate(id: string): SandboxTemplate | undefined {
  return SANDBOX_TEMPLATES.find((t) => t.id === id);
}

export function templateSummary(t: SandboxTemplate) {
  return { id: t.id, name: t.name, tags: t.tags, created_at: t.created_at, updated_at: t.updated_at };
}
