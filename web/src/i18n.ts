// English and Korean UI text. The language follows the browser until the user switches (kept in
// localStorage). English names double as the accessible names the issue and the tests rely on.
import { createContext, useContext } from "react";
import type { GenerationErrorCode } from "./gql/graphql.js";

export const en = {
  appName: "castad",
  tagline: "Turn your store's photos into a video ad with its own song.",
  email: "Email",
  password: "Password",
  name: "Your name",
  signUp: "Sign up",
  signIn: "Sign in",
  signOut: "Sign out",
  haveAccount: "Already have an account?",
  noAccount: "New to castad?",
  passwordHint: "At least 8 characters.",
  projects: "Your stores",
  newProject: "New project",
  noProjects: "No projects yet. Create one for your store to make its first ad.",
  loadMore: "Load more",
  storeName: "Store name",
  address: "Address",
  description: "Description",
  language: "Language of the song",
  create: "Create project",
  save: "Save changes",
  saved: "Saved",
  saving: "Saving…",
  cancel: "Cancel",
  back: "All projects",
  details: "Store details",
  photos: "Photos",
  photosHint: "Drag photos here or choose them. JPEG, PNG or WebP, up to 10 MB each, 10 at a time.",
  choosePhotos: "Choose photos",
  deletePhoto: (name: string) => `Delete photo ${name}`,
  moveEarlier: (name: string) => `Move ${name} earlier`,
  moveLater: (name: string) => `Move ${name} later`,
  uploading: (name: string) => `Uploading ${name}`,
  refusedType: (name: string) => `${name} was not added: only JPEG, PNG or WebP photos can be used.`,
  refusedSize: (name: string, mb: number) => `${name} was not added: it is larger than ${mb} MB.`,
  refusedCount: (max: number, n: number) => `You chose ${n} photos; add up to ${max} at a time.`,
  uploadFailed: (name: string, why: string) => `${name} could not be uploaded: ${why}`,
  noPhotos: "No photos yet. Add a few of your store, your food or your products.",
  counts: (photos: number, videos: number, runs: number) =>
    `${photos} ${photos === 1 ? "photo" : "photos"} · ${videos} ${videos === 1 ? "video" : "videos"} · ${runs} ${runs === 1 ? "ad run" : "ad runs"}`,
  ad: "Your ad",
  making: (stage: string, progress: number) => `Making the ad · ${stage} ${progress}%`,
  makeAd: "Make the ad",
  makeAdHint: "castad writes lyrics about your store, turns them into a song and cuts a video of your photos to it.",
  needPhotos: "Add at least one photo first.",
  running: "An ad is being made. You can leave this page; it keeps going.",
  stages: { LYRIC: "Lyrics", SONG: "Song", VIDEO: "Video" } as Record<"LYRIC" | "SONG" | "VIDEO", string>,
  status: { QUEUED: "Waiting", PROCESSING: "Working", COMPLETED: "Done", FAILED: "Failed", CANCELLED: "Cancelled" } as Record<string, string>,
  /** A timeline row when the server's message (English) is not shown: what the stage is doing,
   *  from its status and progress (steps report <10 % preparing, 10-79 % making, >= 80 % saving). */
  step: (kind: "LYRIC" | "SONG" | "VIDEO", status: string, progress: number): string => {
    const what = { LYRIC: "lyrics", SONG: "song", VIDEO: "video" }[kind];
    if (status === "PROCESSING") return progress >= 80 ? `Saving the ${what}` : progress >= 10 ? `Making the ${what}` : `Preparing the ${what}`;
    return { QUEUED: "Waiting", COMPLETED: "Done", FAILED: "Failed", CANCELLED: "Cancelled" }[status] ?? status;
  },
  retry: "Retry",
  cancelStage: "Cancel",
  attempt: (n: number) => `attempt ${n}`,
  /** Why a stage failed, by its errorCode; null: show the server's reason (written in English). */
  errors: null as Record<GenerationErrorCode, string> | null,
  lyricsTitle: "Lyrics",
  /** Names of the song sections the lyrics mark with [Verse], [Chorus], ... (others are shown as written). */
  lyricSections: { intro: "Intro", verse: "Verse", "pre-chorus": "Pre-chorus", chorus: "Chorus", bridge: "Bridge", hook: "Hook", outro: "Outro" } as Record<string, string>,
  songTitle: "Song",
  videoTitle: "Video",
  download: "Download video",
  pastRuns: "Past ads",
  noPastRuns: "Ads you make appear here.",
  onlyRun: "Your earlier ads will appear here when you make a new one.",
  run: (date: string) => `Ad of ${date}`,
  connection: { live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…", offline: "Offline", online: "Online" },
  connectionHelp: {
    live: "Updates arrive as they happen.",
    connecting: "Connecting to castad…",
    reconnecting: "Connection lost; reconnecting. Nothing you missed will be lost.",
    offline: "You are offline. Updates resume when you are back.",
    online: "",
  },
  switchLanguage: "한국어",
  switchLanguageLabel: "Switch to Korean",
  error: "Something went wrong",
  sessionExpired: "Your session expired. Please sign in again.",
  notFound: "This project does not exist or is not yours.",
  loading: "Loading…",
};

export type Messages = typeof en;

export const ko: Messages = {
  appName: "castad",
  tagline: "가게 사진으로 노래가 있는 광고 영상을 만들어 드려요.",
  email: "이메일",
  password: "비밀번호",
  name: "이름",
  signUp: "회원가입",
  signIn: "로그인",
  signOut: "로그아웃",
  haveAccount: "이미 계정이 있으신가요?",
  noAccount: "castad가 처음이신가요?",
  passwordHint: "8자 이상",
  projects: "내 가게",
  newProject: "새 프로젝트",
  noProjects: "아직 프로젝트가 없어요. 가게 프로젝트를 만들어 첫 광고를 만들어 보세요.",
  loadMore: "더 보기",
  storeName: "가게 이름",
  address: "주소",
  description: "소개",
  language: "노래 언어",
  create: "프로젝트 만들기",
  save: "저장",
  saved: "저장됨",
  saving: "저장 중…",
  cancel: "취소",
  back: "전체 프로젝트",
  details: "가게 정보",
  photos: "사진",
  photosHint: "사진을 여기로 끌어오거나 선택하세요. JPEG, PNG, WebP, 한 장에 10MB까지, 한 번에 10장까지.",
  choosePhotos: "사진 선택",
  deletePhoto: (name) => `사진 ${name} 삭제`,
  moveEarlier: (name) => `${name} 앞으로`,
  moveLater: (name) => `${name} 뒤로`,
  uploading: (name) => `${name} 올리는 중`,
  refusedType: (name) => `${name}: JPEG, PNG, WebP 사진만 쓸 수 있어요.`,
  refusedSize: (name, mb) => `${name}: ${mb}MB보다 커서 추가하지 않았어요.`,
  refusedCount: (max, n) => `${n}장을 고르셨어요. 한 번에 ${max}장까지 추가할 수 있어요.`,
  uploadFailed: (name, why) => `${name}을(를) 올리지 못했어요: ${why}`,
  noPhotos: "아직 사진이 없어요. 가게, 음식, 상품 사진을 몇 장 올려 주세요.",
  counts: (photos, videos, runs) => `사진 ${photos}장 · 영상 ${videos}개 · 광고 ${runs}회`,
  ad: "광고",
  making: (stage, progress) => `광고 만드는 중 · ${stage} ${progress}%`,
  makeAd: "광고 만들기",
  makeAdHint: "가게에 대한 가사를 쓰고, 노래로 만들고, 사진으로 영상을 편집해요.",
  needPhotos: "먼저 사진을 한 장 이상 올려 주세요.",
  running: "광고를 만드는 중이에요. 페이지를 떠나도 계속 진행돼요.",
  stages: { LYRIC: "가사", SONG: "노래", VIDEO: "영상" },
  status: { QUEUED: "대기 중", PROCESSING: "진행 중", COMPLETED: "완료", FAILED: "실패", CANCELLED: "취소됨" },
  step: (kind, status, progress) => {
    const what = { LYRIC: "가사", SONG: "노래", VIDEO: "영상" }[kind];
    // The object particle follows the noun's last sound: 가사를, 노래를, 영상을.
    const making = { LYRIC: "가사를 쓰는 중", SONG: "노래를 만드는 중", VIDEO: "영상을 만드는 중" }[kind];
    const saving = { LYRIC: "가사를 저장하는 중", SONG: "노래를 저장하는 중", VIDEO: "영상을 저장하는 중" }[kind];
    if (status === "PROCESSING") return progress >= 80 ? saving : progress >= 10 ? making : `${what} 준비 중`;
    return { QUEUED: `${what} 대기 중`, COMPLETED: `${what} 완성`, FAILED: `${what} 실패`, CANCELLED: `${what} 취소됨` }[status] ?? status;
  },
  retry: "다시 시도",
  cancelStage: "취소",
  attempt: (n) => `${n}번째 시도`,
  // Every code (the type makes a missing one a compile error), in a store owner's words.
  errors: {
    CANCELLED: "취소했어요. 다시 시도하면 새로 만들어요.",
    UPSTREAM_FAILED: "앞 단계가 실패했어요. 그 단계를 다시 시도해 주세요.",
    UPSTREAM_CANCELLED: "앞 단계가 취소됐어요.",
    GENERATION_TIMEOUT: "시간 안에 끝나지 않았어요. 다시 시도해 주세요.",
    FAILED_PRECONDITION: "필요한 것이 없어졌어요(가사, 노래 또는 사진이 지워졌어요).",
    INTERNAL_ERROR: "저희 쪽에서 문제가 생겼어요. 다시 시도해 주세요.",
    OTHER: "알 수 없는 문제가 생겼어요. 다시 시도해 주세요.",
    PROVIDER_RATE_LIMITED: "요청이 너무 많았어요. 잠시 후 다시 시도해 주세요.",
    PROVIDER_UNAVAILABLE: "서비스를 잠시 쓸 수 없어요. 조금 뒤에 다시 시도해 주세요.",
    PROVIDER_TIMEOUT: "서비스가 제때 응답하지 않았어요. 다시 시도해 주세요.",
    PROVIDER_BAD_RESPONSE: "서비스가 알아볼 수 없는 답을 보냈어요. 다시 시도해 주세요.",
    PROVIDER_AUTH: "서비스 연결 설정에 문제가 있어요. 운영자에게 알려 주세요.",
    PROVIDER_REJECTED: "서비스가 요청을 받아들이지 않았어요.",
    PROVIDER_NOT_FOUND: "서비스에서 작업을 찾을 수 없어요. 다시 시도해 주세요.",
    PROVIDER_QUOTA: "서비스 이용 한도를 다 썼어요. 운영자에게 알려 주세요.",
    LYRICS_REFUSED: "이 가게 소개로는 가사를 쓸 수 없었어요. 소개를 바꾸고 다시 시도해 주세요.",
    LYRICS_MALFORMED: "가사가 제대로 만들어지지 않았어요. 다시 시도해 주세요.",
    SUNO_SENSITIVE_WORD: "가사에 음악 서비스가 허용하지 않는 단어가 있어요. 가게 정보를 바꾸고 다시 시도해 주세요.",
    SUNO_CONTENT_REJECTED: "음악 서비스가 가사나 스타일을 받아들이지 않았어요.",
    SUNO_GENERATE_FAILED: "음악 서비스가 노래를 만들지 못했어요. 다시 시도해 주세요.",
    SUNO_PROMPT_TOO_LONG: "가사가 너무 길어요.",
    SUNO_INVALID_REQUEST: "음악 서비스가 요청을 받아들이지 않았어요.",
    SUNO_NO_TRACK: "음악 서비스가 들을 수 있는 노래를 만들지 못했어요. 다시 시도해 주세요.",
    SUNO_DOWNLOAD_FAILED: "음악 서비스가 필요한 파일을 받지 못했어요. 다시 시도해 주세요.",
    VIDEO_TEMPLATE_NOT_FOUND: "영상 템플릿을 찾을 수 없어요.",
    VIDEO_TEMPLATE_INCOMPATIBLE: "이 영상 템플릿에는 사진이나 음악을 넣을 자리가 없어요.",
    VIDEO_NO_IMAGES: "영상에 넣을 사진이 없어요. 사진을 올려 주세요.",
    VIDEO_RENDER_FAILED: "영상을 만들지 못했어요. 다시 시도해 주세요.",
    VIDEO_RENDER_CANCELLED: "영상 편집이 취소됐어요.",
    MEDIA_NOT_FOUND: "만든 파일을 받아오기 전에 사라졌어요. 다시 시도해 주세요.",
    MEDIA_TOO_LARGE: "만든 파일이 너무 커서 저장할 수 없었어요.",
    MEDIA_DOWNLOAD_FAILED: "만든 파일을 받아오지 못했어요. 다시 시도해 주세요.",
    STORAGE_FAILED: "파일을 저장하지 못했어요. 다시 시도해 주세요.",
  },
  lyricsTitle: "가사",
  lyricSections: { intro: "인트로", verse: "벌스", "pre-chorus": "프리코러스", chorus: "후렴", bridge: "브리지", hook: "훅", outro: "아웃트로" },
  songTitle: "노래",
  videoTitle: "영상",
  download: "영상 내려받기",
  pastRuns: "지난 광고",
  noPastRuns: "만든 광고가 여기에 보여요.",
  onlyRun: "새 광고를 만들면 지금까지 만든 광고가 여기에 보여요.",
  run: (date) => `${date} 광고`,
  connection: { live: "실시간", connecting: "연결 중…", reconnecting: "다시 연결 중…", offline: "오프라인", online: "온라인" },
  connectionHelp: {
    live: "진행 상황이 바로 표시돼요.",
    connecting: "castad에 연결하는 중…",
    reconnecting: "연결이 끊겨 다시 연결하는 중이에요. 놓친 내용은 이어서 받아요.",
    offline: "오프라인이에요. 다시 연결되면 이어서 받아요.",
    online: "",
  },
  switchLanguage: "English",
  switchLanguageLabel: "영어로 보기",
  error: "문제가 생겼어요",
  sessionExpired: "로그인이 만료됐어요. 다시 로그인해 주세요.",
  notFound: "없는 프로젝트이거나 내 프로젝트가 아니에요.",
  loading: "불러오는 중…",
};

export type Lang = "en" | "ko";
export const messages: Record<Lang, Messages> = { en, ko };

export function initialLang(): Lang {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem("castad.lang") : null;
  if (saved === "en" || saved === "ko") return saved;
  const langs = typeof navigator !== "undefined" ? (navigator.languages ?? [navigator.language]) : [];
  return langs.some((l) => l.toLowerCase().startsWith("ko")) ? "ko" : "en";
}

export const I18nContext = createContext<{ lang: Lang; t: Messages; setLang(lang: Lang): void }>({
  lang: "en",
  t: en,
  setLang: () => {},
});

export const useI18n = () => useContext(I18nContext);

export function formatDate(lang: Lang, iso: string) {
  return new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-US", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}
