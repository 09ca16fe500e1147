/**
 * Canned jingle lyrics in Korean, English, Japanese and Chinese with the store name interpolated.
 * The store name is copied verbatim (including any [sandbox:...] markers it carries).
 */

export type LyricsLanguage = "ko" | "en" | "ja" | "zh";

export interface StoreBrief {
  storeName: string;
  /** The language label as written in the prompt (e.g. "Korean"), or "English" when absent. */
  languageLabel: string;
  language: LyricsLanguage;
  address: string | null;
  description: string | null;
}

function field(text: string, names: string[]): string | null {
  for (const name of names) {
    const re = new RegExp(`^[ \\t>*-]*${name}[ \\t]*[:：][ \\t]*(.+?)[ \\t]*$`, "im");
    const m = re.exec(text);
    if (m?.[1]) return m[1].trim();
  }
  return null;
}

function normalizeLanguage(label: string | null): LyricsLanguage {
  const l = (label ?? "").trim().toLowerCase();
  if (/^(ko|ko[-_]kr|kor|korean)\b|한국어|한국/.test(l)) return "ko";
  if (/^(ja|ja[-_]jp|jp|jpn|japanese)\b|日本語/.test(l)) return "ja";
  if (/^(zh|zh[-_]\w+|chi|zho|chinese|mandarin|cantonese|simplified chinese|traditional chinese)\b|中文|汉语|漢語|普通话/.test(l))
    return "zh";
  if (/korean/.test(l)) return "ko";
  if (/japanese/.test(l)) return "ja";
  if (/chinese|mandarin/.test(l)) return "zh";
  return "en";
}

/** Reads `Store name:`, `Language:`, `Address:`, `Description:` lines from the prompt text. */
export function parseBrief(text: string): StoreBrief {
  const storeName = field(text, ["store[ _-]?name", "business[ _-]?name", "shop[ _-]?name"]) ?? "Our Store";
  const languageLabel = field(text, ["language", "lang"]) ?? "English";
  return {
    storeName,
    languageLabel,
    language: normalizeLanguage(languageLabel),
    address: field(text, ["address"]),
    description: field(text, ["description"]),
  };
}

export function songTitle(b: StoreBrief): string {
  switch (b.language) {
    case "ko":
      return `${b.storeName}의 노래`;
    case "ja":
      return `${b.storeName}のうた`;
    case "zh":
      return `${b.storeName}之歌`;
    default:
      return `${b.storeName} Jingle`;
  }
}

export function songStyle(b: StoreBrief): string {
  const lang = { ko: "K-pop", ja: "J-pop", zh: "Mandopop", en: "pop" }[b.language];
  return `bright upbeat ${lang} jingle, catchy chorus, acoustic guitar, hand claps`;
}

export function lyricsLines(b: StoreBrief): string[] {
  const n = b.storeName;
  switch (b.language) {
    case "ko":
      return [
        "[Verse]",
        `${n}에서 만나요, 오늘도 반가워요`,
        b.address ? `${b.address}, 언제든 들러요` : "골목 끝 작은 가게, 언제든 들러요",
        "따뜻한 미소와 정성 가득한 하루",
        "",
        "[Chorus]",
        `${n}, ${n}, 언제나 당신 곁에`,
        "한 번 오면 또 오고 싶은 그곳",
        `랄랄라 ${n}, 우리 동네 자랑`,
      ];
    case "ja":
      return [
        "[Verse]",
        `${n}へようこそ 今日もいい日`,
        b.address ? `${b.address}で 待ってるよ` : "街角の小さなお店で 待ってるよ",
        "笑顔とまごころ 届けます",
        "",
        "[Chorus]",
        `${n} ${n} いつでもそばに`,
        "また来たくなる あの場所へ",
        `ラララ ${n} 街のじまん`,
      ];
    case "zh":
      return [
        "[Verse]",
        `欢迎来到${n} 每天都美好`,
        b.address ? `就在${b.address} 随时来坐坐` : "街角的小店 随时来坐坐",
        "真诚的微笑 用心的味道",
        "",
        "[Chorus]",
        `${n} ${n} 一直在你身边`,
        "来过一次 还想再来",
        `啦啦啦 ${n} 我们的骄傲`,
      ];
    default:
      return [
        "[Verse]",
        `Come on down to ${n}, the door is open wide`,
        b.address ? `Right there on ${b.address}, step on inside` : "Right around the corner, step on inside",
        "Warm smiles and good things waiting just for you",
        "",
        "[Chorus]",
        `${n}, ${n}, the place you'll love to be`,
        "Once you come you'll come again, just wait and see",
        `La la la, ${n}, the pride of our street`,
      ];
  }
}

export function lyricsText(b: StoreBrief): string {
  return lyricsLines(b).join("\n");
}
