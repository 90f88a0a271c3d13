// An in-memory backend for development and screenshots: open the UI with
// ?mock=1. It keeps the contract of docs/API.md (including events: ingest
// and pull progress, streamed answers, stop) over made-up sample data.
// Query options: desktop=1 (native dialogs work), nochat=1 (no chat model),
// noembed=1 (keyword search only), offline=1 (runtime unreachable),
// jobs=0 (no sample jobs), empty=1 (no documents or conversations),
// theme=dark|light, lang=en|ja|ko (initial settings).
// Loaded only with ?mock=1 (a separate chunk), never in normal use.

import { ApiError, Listeners, type FileSource, type Transport } from "./transport";
import type {
  Collection,
  Conversation,
  Document,
  Job,
  Message,
  Model,
  Passage,
  Settings,
  Source,
} from "./types";

interface Page {
  path: string;
  page: number;
  text: string;
}

const HOME = "/home/mina/Documents";

// Sample page texts. The first contains an astral character (𠮷) before the
// cited passage, so the code-point → UTF-16 conversion shows if it is wrong.
const PAGES: Page[] = [
  {
    path: `${HOME}/reports/genai-survey-2024.pdf`,
    page: 3,
    text:
      "序文\n\n生成AIの未来を形作るオープンソース\n\n本調査は、𠮷田ほか（2024）の枠組みを参考に、企業における生成AIの採用状況を整理したものである。" +
      "調査は2024年8月から9月にかけてオンラインで実施し、回答者数は316人であった。回答者の所属は製造業、金融、公共部門など多岐にわたる。\n\n" +
      "組織の84%が、生成AIの採用が中程度、高い、または非常に高いと回答している。特にオープンソースのモデルは、コストの低さと透明性の高さから評価されている。" +
      "一方で、セキュリティと法的リスクへの懸念も根強く、回答者の46%が「主要な障壁」と答えた。",
  },
  {
    path: `${HOME}/reports/genai-survey-2024.pdf`,
    page: 7,
    text:
      "第2章 採用の動機\n\nオープンソースの生成AIを選ぶ理由として最も多かったのは「ベンダーロックインの回避」（61%）であり、" +
      "次いで「モデルを自社データで調整できること」（54%）、「コストの予測しやすさ」（49%）が続いた。\n\n" +
      "誤差範囲は±5.5ポイント（信頼水準95%）である。小規模な組織ほど、クラウドの商用APIよりも手元で動かせるモデルを重視する傾向が見られた。",
  },
  {
    path: `${HOME}/reports/open-source-ai-summary-ko.pdf`,
    page: 2,
    text:
      "요약\n\n오픈소스 생성형 AI는 기업의 도입 비용을 낮추고 투명성을 높인다. 응답 기업의 72%는 향후 1년 안에 오픈소스 모델의 사용을 늘릴 계획이라고 답했다.\n\n" +
      "주요 과제로는 보안 검증(48%), 라이선스 해석(37%), 운영 인력 부족(33%)이 꼽혔다.",
  },
  {
    path: `${HOME}/notes/meeting-notes.md`,
    page: 0,
    text:
      "# Kickoff notes\n\nWe agreed to evaluate local models first. Budget: no cloud API spend this quarter.\n\n" +
      "Action items: Mina collects the 2024 survey reports; Jun prepares a Korean summary; everyone reviews the security checklist by Friday.",
  },
];

function passage(n: number, pageIdx: number, needle: string, score: number): Passage {
  const p = PAGES[pageIdx];
  const cps = Array.from(p.text);
  const at = Array.from(p.text.slice(0, Math.max(0, p.text.indexOf(needle)))).length;
  const len = Array.from(needle).length;
  return {
    n,
    path: p.path,
    name: p.path.split("/").pop() ?? p.path,
    page: p.page,
    endPage: p.page,
    paged: p.path.endsWith(".pdf"),
    start: at,
    end: at + len,
    text: cps.slice(at, at + len).join(""),
    score,
    passageStart: Math.max(0, at - 120),
    passageEnd: Math.min(cps.length, at + len + 200),
    ocr: false,
    cited: true,
    hash: `sha256:${p.path}`,
  };
}

const SOURCES_JA = [
  passage(1, 0, "調査は2024年8月から9月にかけてオンラインで実施し、回答者数は316人であった。", 0.0331),
  passage(2, 1, "誤差範囲は±5.5ポイント（信頼水準95%）である。", 0.0312),
  passage(3, 0, "組織の84%が、生成AIの採用が中程度、高い、または非常に高いと回答している。", 0.0288),
];
const SOURCES_KO = [
  passage(1, 2, "응답 기업의 72%는 향후 1년 안에 오픈소스 모델의 사용을 늘릴 계획이라고 답했다.", 0.0325),
  passage(2, 2, "주요 과제로는 보안 검증(48%), 라이선스 해석(37%), 운영 인력 부족(33%)이 꼽혔다.", 0.0301),
];
const SOURCES_EN = [
  passage(1, 3, "We agreed to evaluate local models first. Budget: no cloud API spend this quarter.", 0.0297),
  passage(2, 0, "調査は2024年8月から9月にかけてオンラインで実施し、回答者数は316人であった。", 0.0254),
];

const ANSWER_JA =
  "2024年の調査では、**回答者数は316人**でした [1]。調査は2024年8月から9月にかけてオンラインで実施されています [1]。\n\n" +
  "結果の誤差範囲は±5.5ポイント（信頼水準95%）とされています [2]。なお、組織の84%が生成AIの採用度を中程度以上と答えています [1, 3]。";
const ANSWER_KO =
  "응답 기업의 **72%**가 향후 1년 안에 오픈소스 모델 사용을 늘릴 계획입니다 [1].\n\n주요 과제는 다음과 같습니다 [2]:\n\n- 보안 검증 (48%)\n- 라이선스 해석 (37%)\n- 운영 인력 부족 (33%)";
const ANSWER_EN =
  "The team decided to **evaluate local models first** and not to spend on cloud APIs this quarter [1]. " +
  "The 2024 survey they collected had 316 respondents [2].\n\nNext steps:\n\n1. Mina collects the survey reports [1]\n2. Everyone reviews the security checklist by Friday [1]";

function pick(question: string): { text: string; sources: Passage[] } {
  if (/[\uac00-\ud7af]/.test(question)) return { text: ANSWER_KO, sources: SOURCES_KO };
  if (/[\u3040-\u30ff\u4e00-\u9fff]/.test(question)) return { text: ANSWER_JA, sources: SOURCES_JA };
  return { text: ANSWER_EN, sources: SOURCES_EN };
}

/** Splits an answer into small token-like pieces. */
function tokens(text: string): string[] {
  return text.match(/\s*[A-Za-z]+|\s*\d+|\s*[\uac00-\ud7af]{1,2}|\s*[^\sA-Za-z\d]/gu) ?? [text];
}

const sec = () => Math.floor(Date.now() / 1000);
const GB = 1024 ** 3;

const DOCS: Document[] = [
  { path: `${HOME}/reports/genai-survey-2024.pdf`, name: "genai-survey-2024.pdf", status: "indexed", error: "", errorCode: "", chunks: 142, pages: 24, title: "生成AIの未来を形作る", indexedAt: sec() - 3600 },
  { path: `${HOME}/reports/open-source-ai-summary-ko.pdf`, name: "open-source-ai-summary-ko.pdf", status: "indexed", error: "", errorCode: "", chunks: 38, pages: 6, title: "오픈소스 생성형 AI 요약", indexedAt: sec() - 3500 },
  { path: `${HOME}/notes/meeting-notes.md`, name: "meeting-notes.md", status: "indexed", error: "", errorCode: "", chunks: 4, pages: 0, title: "Kickoff notes", indexedAt: sec() - 7200 },
  { path: `${HOME}/data/responses-2024.xlsx`, name: "responses-2024.xlsx", status: "lexical", error: "", errorCode: "", chunks: 61, pages: 3, title: "", indexedAt: sec() - 300 },
  {
    path: `${HOME}/scans/contract-2019.pdf`, name: "contract-2019.pdf", status: "needs_ocr", errorCode: "needs_ocr", chunks: 0, pages: 0, title: "", indexedAt: sec() - 86400,
    error: "needs OCR (pages 1–12 are scanned): OCR needs Tesseract (tesseract), which is not installed; install it with: sudo apt install tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-kor poppler-utils",
  },
  { path: `${HOME}/reports/draft-v3.docx`, name: "draft-v3.docx", status: "failed", error: "docx: needs a password to open: encrypted", errorCode: "encrypted", chunks: 0, pages: 0, title: "", indexedAt: sec() - 600 },
];

export class MockTransport implements Transport {
  readonly kind = "mock" as const;
  readonly dialogs: boolean;
  private listeners = new Listeners();
  private opts: URLSearchParams;
  private collections: Collection[];
  private docs = new Map<string, Document[]>();
  private jobs: Job[] = [];
  private timers = new Map<string, ReturnType<typeof setInterval>>();
  private conversations: Conversation[] = [];
  private messages = new Map<number, Message[]>();
  private answers = new Map<string, { stop: () => void }>();
  private settings: Settings;
  private models: Model[];
  private nextId = 100;

  constructor(params: URLSearchParams) {
    this.opts = params;
    this.dialogs = params.get("desktop") === "1";
    const empty = params.get("empty") === "1";
    this.docs.set("default", empty ? [] : DOCS.map((d) => ({ ...d })));
    this.docs.set("research", empty ? [] : DOCS.slice(0, 2).map((d) => ({ ...d })));
    this.collections = [
      { name: "default", documents: 0, chunks: 0, vectors: 0, embedModel: "jeffh/intfloat-multilingual-e5-small:f16" },
      { name: "research", documents: 0, chunks: 0, vectors: 0, embedModel: "jeffh/intfloat-multilingual-e5-small:f16" },
    ];
    this.recount();
    this.settings = {
      ollamaUrl: "",
      chatModel: "qwen3:1.7b",
      embedModel: "jeffh/intfloat-multilingual-e5-small:f16",
      topK: 6,
      lexicalWeight: 0.5,
      chunkSize: 800,
      chunkOverlap: 120,
      maxContext: 8192,
      firstTokenSeconds: 20,
      theme: (params.get("theme") as Settings["theme"]) || "system",
      language: params.get("lang") ?? "",
      version: "0.1.0",
      dataDir: "/home/mina/.local/share/kura",
      portable: false,
    };
    this.models = [
      { name: "qwen3:1.7b", size: 1.36 * GB, family: "qwen3", parameterSize: "2.0B", quantization: "Q4_K_M", contextLength: 40960, embedding: false, isChatDefault: true, isEmbedDefault: false, speed: 0 },
      { name: "jeffh/intfloat-multilingual-e5-small:f16", size: 0.236 * GB, family: "bert", parameterSize: "118M", quantization: "F16", contextLength: 512, embedding: true, isChatDefault: false, isEmbedDefault: true, speed: 0 },
      { name: "gemma3:1b", size: 0.81 * GB, family: "gemma3", parameterSize: "1.0B", quantization: "Q4_K_M", contextLength: 32768, embedding: false, isChatDefault: false, isEmbedDefault: false, speed: 0 },
    ];
    if (params.get("nochat") === "1") this.models = this.models.filter((m) => m.embedding);
    if (params.get("noembed") === "1") this.models = this.models.filter((m) => !m.embedding);
    if (!empty) this.seedConversations();
    if (params.get("jobs") !== "0") this.seedJobs();
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    const fn = (this as unknown as Record<string, unknown>)[`m${method}`];
    if (typeof fn !== "function") return Promise.reject(new ApiError("not_found", `mock: no method ${method}`));
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        try {
          resolve(structuredClone((fn as (...a: unknown[]) => unknown).apply(this, args) ?? null));
        } catch (err) {
          reject(err);
        }
      }, 40);
    });
  }

  subscribe(event: string, handler: (payload: unknown) => void): () => void {
    return this.listeners.add(event, handler).remove;
  }

  onReconnect(): () => void {
    return () => {};
  }

  async fileSource(fileUrl: string): Promise<FileSource> {
    return { url: fileUrl };
  }

  private emit(name: string, payload: unknown) {
    this.listeners.emit(name, structuredClone(payload));
  }

  private recount() {
    for (const c of this.collections) {
      const docs = this.docs.get(c.name) ?? [];
      c.documents = docs.length;
      c.chunks = docs.reduce((n, d) => n + d.chunks, 0);
      c.vectors = docs.filter((d) => d.status === "indexed").reduce((n, d) => n + d.chunks, 0);
    }
  }

  private seedConversations() {
    const t = sec();
    const q1: Message = { id: 1, role: "user", text: "2024年の調査の回答者数は？", sources: [], complete: true, error: "", errorCode: "", errorParams: {}, createdAt: t - 5000 };
    const a1: Message = { id: 2, role: "assistant", text: ANSWER_JA, sources: SOURCES_JA, complete: true, error: "", errorCode: "", errorParams: {}, createdAt: t - 4990 };
    const q2: Message = { id: 3, role: "user", text: "기업들이 꼽은 주요 과제는?", sources: [], complete: true, error: "", errorCode: "", errorParams: {}, createdAt: t - 90000 };
    const a2: Message = { id: 4, role: "assistant", text: ANSWER_KO, sources: SOURCES_KO, complete: true, error: "", errorCode: "", errorParams: {}, createdAt: t - 89990 };
    this.conversations = [
      { id: 1, title: "2024年調査の回答者数", collection: "default", createdAt: t - 5000, updatedAt: t - 4990 },
      { id: 2, title: "오픈소스 AI 도입 과제", collection: "default", createdAt: t - 90000, updatedAt: t - 89990 },
      { id: 3, title: "Kickoff decisions", collection: "research", createdAt: t - 200000, updatedAt: t - 199000 },
    ];
    this.messages.set(1, [q1, a1]);
    this.messages.set(2, [q2, a2]);
    this.messages.set(3, []);
  }

  private seedJobs() {
    const failures = [
      { path: `${HOME}/reports/draft-v3.docx`, reason: "docx: needs a password to open: encrypted", code: "encrypted" },
      { path: `${HOME}/scans/contract-2019.pdf`, reason: "needs OCR (pages 1–12 are scanned): install Tesseract", code: "needs_ocr" },
    ];
    this.jobs.push({
      id: "job-1", kind: "ingest", collection: "default", state: "done", phase: "done", filesDone: 6, filesTotal: 6, chunks: 245, failed: 2,
      elapsedMs: 48000, etaMs: 0, current: "", bytesDone: 0, bytesTotal: 0, ocrPagesDone: 0, ocrPagesTotal: 0, error: "", model: "", errorCode: "", errorParams: {},
      rate: 0, vectorsDone: 184, vectorsTotal: 245, embedModel: "jeffh/intfloat-multilingual-e5-small:f16", rebuild: false,
      summary: { added: 4, updated: 0, unchanged: 0, removed: 0, chunks: 245, vectors: 184, lexicalOnly: true, embedErrorCode: "unreachable", embedErrorParams: { url: "http://127.0.0.1:38211" }, models: [], warnings: [], failures },
    });
    this.startIngest("default", [`${HOME}/archive`], 240, "ingest");
  }

  private startIngest(collection: string, paths: string[], total: number, kind: "ingest" | "reindex"): Job {
    const job: Job = {
      id: `job-${this.nextId++}`, kind, collection, state: "running", phase: "reading", filesDone: 0, filesTotal: total, chunks: 0, failed: 0,
      elapsedMs: 0, etaMs: 0, current: paths[0] ?? "", bytesDone: 0, bytesTotal: 0, ocrPagesDone: 0, ocrPagesTotal: 0, error: "", model: "", errorCode: "", errorParams: {},
      rate: 0, vectorsDone: 0, vectorsTotal: 0, embedModel: "", rebuild: false,
    };
    this.jobs.unshift(job);
    const names = ["annual-report-2023.pdf", "議事録_2024-10-02.docx", "요약_보고서.pdf", "budget.xlsx", "readme.md", "調査票.pdf"];
    const timer = setInterval(() => {
      if (job.state === "paused") return;
      job.elapsedMs += 250;
      job.filesDone = Math.min(job.filesTotal, job.filesDone + (kind === "reindex" ? job.filesTotal : 1));
      job.chunks += 7 + (job.filesDone % 5);
      if (job.filesDone % 37 === 0) job.failed++;
      job.current = `${paths[0] ?? HOME}/${names[job.filesDone % names.length]}`;
      job.etaMs = job.filesDone > 0 ? (job.elapsedMs / job.filesDone) * (job.filesTotal - job.filesDone) : 0;
      job.rate = job.filesDone / Math.max(job.elapsedMs / 1000, 0.25);
      if (job.filesDone >= job.filesTotal) {
        clearInterval(timer);
        this.timers.delete(job.id);
        job.state = "done";
        job.phase = "done";
        job.current = "";
        job.etaMs = 0;
        job.summary = { added: job.filesTotal - job.failed, updated: 0, unchanged: 0, removed: 0, chunks: job.chunks, vectors: job.chunks, lexicalOnly: false, embedErrorCode: "", embedErrorParams: {}, models: [], warnings: [], failures: [] };
        this.emit("job:done", job);
      } else {
        this.emit("job:progress", job);
      }
    }, kind === "reindex" ? 600 : 250);
    this.timers.set(job.id, timer);
    return job;
  }

  private job(id: string): Job {
    const j = this.jobs.find((x) => x.id === id);
    if (!j) throw new ApiError("not_found", "no such job");
    return j;
  }

  // --- Library ---
  mCollections() {
    this.recount();
    return this.collections;
  }
  mCreateCollection(name: string) {
    if (!name.trim()) throw new ApiError("invalid", "A collection needs a name.");
    if (this.collections.some((c) => c.name === name)) throw new ApiError("invalid", `A collection named “${name}” already exists.`);
    const c = { name, documents: 0, chunks: 0, vectors: 0, embedModel: "" };
    this.collections.push(c);
    this.docs.set(name, []);
    return c;
  }
  mDeleteCollection(name: string) {
    this.collections = this.collections.filter((c) => c.name !== name);
    this.docs.delete(name);
  }
  private answerSettings = new Map<string, { chatModel: string; topK: number; embedModel: string }>();
  mCollectionSettings(collection: string) {
    return this.answerSettings.get(collection) ?? { chatModel: "", topK: 0, embedModel: "" };
  }
  mSaveCollectionSettings(collection: string, s: { chatModel: string; topK: number; embedModel: string }) {
    if (s.topK < 0 || s.topK > 50) throw new ApiError("out_of_range", "Passages per answer must be between 0 and 50.", { field: "topK", min: "0", max: "50" });
    this.answerSettings.set(collection, { ...s });
  }
  mDocuments(collection: string) {
    return this.docs.get(collection) ?? [];
  }
  mRemoveDocument(collection: string, path: string) {
    this.docs.set(collection, (this.docs.get(collection) ?? []).filter((d) => d.path !== path));
  }
  mReindexDocument(collection: string, path: string) {
    return this.startIngest(collection, [path], 1, "reindex");
  }
  mReindexCollection(collection: string) {
    const paths = (this.docs.get(collection) ?? []).map((d) => d.path);
    return this.startIngest(collection, paths, Math.max(paths.length, 1), "reindex");
  }
  mStartIngest(collection: string, paths: string[]) {
    if (!paths?.length || paths.some((p) => !p.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(p))) {
      throw new ApiError("invalid", "Give an absolute path to a folder or file.");
    }
    return this.startIngest(collection, paths, 24, "ingest");
  }
  mPauseJob(id: string) {
    const j = this.job(id);
    if (j.state === "running") j.state = "paused";
    this.emit("job:progress", j);
  }
  mResumeJob(id: string) {
    const j = this.job(id);
    if (j.state === "paused") j.state = "running";
    this.emit("job:progress", j);
  }
  mCancelJob(id: string) {
    const j = this.job(id);
    clearInterval(this.timers.get(id));
    this.timers.delete(id);
    if (j.state === "running" || j.state === "paused") {
      j.state = "canceled";
      j.etaMs = 0;
      j.current = "";
      j.summary = { added: j.filesDone, updated: 0, unchanged: 0, removed: 0, chunks: j.chunks, vectors: j.chunks, lexicalOnly: false, embedErrorCode: "", embedErrorParams: {}, models: [], warnings: [], failures: [] };
      this.emit("job:done", j);
    }
  }
  mJobs() {
    return this.jobs;
  }
  mChooseFolder() {
    if (!this.dialogs) throw new ApiError("invalid", "File dialogs are only available in the desktop app.");
    return `${HOME}/new-reports`;
  }
  mChooseFiles() {
    if (!this.dialogs) throw new ApiError("invalid", "File dialogs are only available in the desktop app.");
    return [`${HOME}/new-reports/q3.pdf`, `${HOME}/new-reports/q4.pdf`];
  }

  // --- Knowledge packs ---
  private packJob(kind: "pack-export" | "pack-import", collection: string, documents: number): Job {
    const j: Job = {
      id: `job-${this.nextId++}`, kind, collection, state: "running", phase: "index", filesDone: 0, filesTotal: 0, chunks: 0,
      failed: 0, elapsedMs: 0, etaMs: 0, current: "", bytesDone: 0, bytesTotal: 0, ocrPagesDone: 0, ocrPagesTotal: 0, error: "",
      rate: 0, vectorsDone: 0, vectorsTotal: 0, embedModel: "", rebuild: false, model: "", errorCode: "", errorParams: {},
    };
    this.jobs.unshift(j);
    setTimeout(() => {
      j.state = "done";
      j.phase = "done";
      j.summary = { added: documents, updated: 0, unchanged: 0, removed: 0, chunks: documents * 12, vectors: documents * 12, lexicalOnly: false, embedErrorCode: "", embedErrorParams: {}, models: [], warnings: [], failures: [] };
      this.emit("job:progress", j);
      this.emit("job:done", j);
    }, 600);
    return structuredClone(j);
  }
  mExportPack(e: { collection: string; out: string; seal: { passphrase: string; recipients: string[] } }) {
    if (!e.seal.passphrase && e.seal.recipients.length === 0) throw new ApiError("invalid", "The passphrase is empty.");
    return this.packJob("pack-export", e.collection, (this.docs.get(e.collection) ?? []).length);
  }
  mInspectPack(path: string, seal: { passphrase: string; keyFile: string }) {
    const info = { path, passphrase: true, opened: false, collection: "", exists: false, documents: 0, chunks: 0, vectors: 0, embedModel: "", files: 0, models: 0, created: 0 };
    if (!seal.passphrase && !seal.keyFile) return info;
    if (seal.passphrase === "wrong") throw new ApiError("invalid", "Wrong passphrase: the pack did not open. Nothing was changed.");
    const exists = this.collections.some((c) => c.name === "field-notes");
    return { ...info, opened: true, collection: "field-notes", exists, documents: 42, chunks: 512, vectors: 512, embedModel: "jeffh/intfloat-multilingual-e5-small:f16", files: 42, models: 0, created: 1767225600 };
  }
  mImportPack(_path: string, _seal: unknown, name: string, replace: boolean) {
    const n = name || "field-notes";
    if (this.collections.some((c) => c.name === n) && !replace) throw new ApiError("invalid", `A collection "${n}" exists already: replace it, or import under another name.`);
    if (!this.collections.some((c) => c.name === n)) {
      this.collections.push({ name: n, documents: 0, chunks: 0, vectors: 0, embedModel: "jeffh/intfloat-multilingual-e5-small:f16" });
      this.docs.set(n, []);
    }
    return this.packJob("pack-import", n, 42);
  }
  mChoosePackFile() {
    if (!this.dialogs) throw new ApiError("invalid", "File dialogs are only available in the desktop app.");
    return `${HOME}/Downloads/field-notes.kpack`;
  }
  mChoosePackDestination(collection: string) {
    if (!this.dialogs) throw new ApiError("invalid", "File dialogs are only available in the desktop app.");
    return `${HOME}/Desktop/${collection}.kpack`;
  }

  // --- Search and chat ---
  mSearch(_collection: string, query: string, k: number) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const all = [...SOURCES_JA, ...SOURCES_KO, ...SOURCES_EN];
    const seen = new Set<string>();
    const hits = all
      .filter((p) => {
        const key = `${p.path}#${p.page}#${p.start}`;
        if (seen.has(key)) return false;
        seen.add(key);
        const text = p.text.toLowerCase();
        return words.some((w) => text.includes(w) || [...w].some((ch) => /[\u3040-\u9fff\uac00-\ud7af]/.test(ch) && text.includes(ch)));
      })
      .slice(0, k)
      .map((p, i) => ({ ...p, n: i + 1, cited: false, score: 0.033 - i * 0.002 }));
    const lexical = this.opts.get("noembed") === "1" || this.opts.get("offline") === "1";
    return {
      mode: lexical ? "lexical" : "hybrid",
      warning: lexical ? "No embedding model is available: results match keywords only." : "",
      passages: hits,
    };
  }
  mConversations() {
    return [...this.conversations].sort((a, b) => b.updatedAt - a.updatedAt);
  }
  mNewConversation(collection: string) {
    const c: Conversation = { id: this.nextId++, title: "", collection, createdAt: sec(), updatedAt: sec() };
    this.conversations.unshift(c);
    this.messages.set(c.id, []);
    return c;
  }
  mRenameConversation(id: number, title: string) {
    const c = this.conversations.find((x) => x.id === id);
    if (c) c.title = title;
  }
  mDeleteConversation(id: number) {
    this.conversations = this.conversations.filter((c) => c.id !== id);
    this.messages.delete(id);
  }
  mMessages(id: number) {
    return this.messages.get(id) ?? [];
  }
  mAsk(conversationId: number, question: string, within: string[] = []) {
    const conv = this.conversations.find((c) => c.id === conversationId);
    if (!conv) throw new ApiError("not_found", "That conversation no longer exists.");
    if (!this.models.some((m) => !m.embedding) || this.opts.get("offline") === "1") {
      throw new ApiError("model_missing", "No chat model is installed. Install one in Models.");
    }
    const list = this.messages.get(conversationId) ?? [];
    const scope = within.map((path, i) => ({ n: i + 1, path, name: path.split("/").pop() ?? path, page: 0, endPage: 0, paged: true, start: 0, end: 0, text: "", score: 0, ocr: false, cited: false, passageStart: 0, passageEnd: 0, hash: "" }));
    list.push({ id: this.nextId++, role: "user", text: question, sources: scope, complete: true, error: "", errorCode: "", errorParams: {}, createdAt: sec() });
    if (!conv.title) conv.title = question.slice(0, 40);
    conv.updatedAt = sec();
    const requestId = `req-${this.nextId++}`;
    const picked = pick(question);
    const text = picked.text;
    const sources = within.length > 0 ? picked.sources.filter((s) => within.some((w) => s.path === w || s.path.startsWith(`${w}/`))) : picked.sources;
    const parts = tokens(text);
    setTimeout(() => this.emit("answer:sources", {
      requestId, conversationId, sources: sources.map((s) => ({ ...s, cited: false })), dropped: 2, mode: "hybrid", warning: "", warningCode: "",
      model: this.settings.chatModel, freshTokens: 420, readingMs: 2600,
    }), 0);
    let i = 0;
    let sent = "";
    const finish = (complete: boolean) => {
      clearInterval(timer);
      this.answers.delete(requestId);
      const msg: Message = { id: this.nextId++, role: "assistant", text: sent, sources: complete ? sources : sources.filter((s) => sent.includes(`[${s.n}`)), complete, error: "", errorCode: "", errorParams: {}, createdAt: sec() };
      list.push(msg);
      this.emit("answer:done", { requestId, conversationId, message: msg, error: "" });
    };
    const timer = setInterval(() => {
      if (i >= parts.length) return finish(true);
      const piece = parts[i++];
      sent += piece;
      this.emit("answer:token", { requestId, conversationId, text: piece });
    }, 45);
    this.answers.set(requestId, { stop: () => finish(false) });
    return requestId;
  }
  mStopAnswer(requestId: string) {
    this.answers.get(requestId)?.stop();
  }
  mPreloadChatModel() {}
  private watched = [{ collection: "default", path: `${HOME}/reports`, name: "reports", addedAt: sec() - 86400, lastSync: sec() - 40, lastError: "" }];
  mWatchedFolders() {
    return structuredClone(this.watched);
  }
  mStopWatching(collection: string, path: string) {
    this.watched = this.watched.filter((w) => w.collection !== collection || w.path !== path);
  }
  mEmbeddingStatus() {
    return [{ collection: "default", model: this.settings.embedModel, state: "embedding", done: 184, total: 245, rebuild: false, rate: 2.1, etaMs: 29000, elapsedMs: 88000, error: "", errorCode: "", errorParams: {} }];
  }
  mSource(_collection: string, path: string, page: number): Source {
    const p = PAGES.find((x) => x.path === path && x.page === page) ?? PAGES.find((x) => x.path === path);
    if (!p) throw new ApiError("not_found", "That document is no longer in the index.");
    const doc = DOCS.find((d) => d.path === path);
    const isPdf = path.endsWith(".pdf");
    // The screenshot server maps /files/ to sample PDFs; elsewhere pdf.js
    // fails to load and the panel says so, which is worth seeing too.
    const file = path.includes("-ko") ? "004_8b294292eef632cb.pdf" : "000_0eff4470da887f30.pdf";
    return { path, name: doc?.name ?? path, page: p.page, paged: isPdf, pages: doc?.pages ?? 0, text: p.text, ocr: false, isPdf, fileUrl: isPdf ? `/files/${file}` : "" };
  }

  // --- Models and settings ---
  mRuntime() {
    const offline = this.opts.get("offline") === "1";
    return {
      bundled: true,
      url: "http://127.0.0.1:38211",
      version: "0.12.6",
      modelsDir: "/home/mina/.local/share/kura/models",
      running: offline ? [] : ["qwen3:1.7b"],
      reachable: !offline,
      error: offline ? "connect: connection refused" : "",
    };
  }
  mModels() {
    if (this.opts.get("offline") === "1") throw new ApiError("unreachable", "The model runtime is not reachable.");
    return this.models.map((m) => ({ ...m, isChatDefault: m.name === this.settings.chatModel, isEmbedDefault: m.name === this.settings.embedModel }));
  }
  mPullModel(name: string) {
    if (!name.trim()) throw new ApiError("invalid", "Give a model name, like qwen3:1.7b.");
    return this.fakeDownload("pull", name, 2.2 * GB);
  }
  mImportModel(path: string, name: string) {
    if (!path.startsWith("/")) throw new ApiError("bad_path", "Give the full path.", { path });
    return this.fakeDownload("import", name || path.split("/").pop()!.replace(/\.gguf$/, ""), 0.6 * GB);
  }
  private fakeDownload(kind: "pull" | "import", name: string, total: number): Job {
    const job: Job = {
      id: `job-${this.nextId++}`, kind, collection: "", state: "running", phase: kind === "pull" ? "pulling manifest" : "copying", filesDone: 0, filesTotal: 0, chunks: 0,
      failed: 0, elapsedMs: 0, etaMs: 0, current: name, bytesDone: 0, bytesTotal: total, ocrPagesDone: 0, ocrPagesTotal: 0, error: "", model: name, errorCode: "", errorParams: {},
      rate: 0, vectorsDone: 0, vectorsTotal: 0, embedModel: "", rebuild: false,
    };
    this.jobs.unshift(job);
    const timer = setInterval(() => {
      job.elapsedMs += 250;
      job.phase = kind === "pull" ? "downloading" : "copying";
      job.bytesDone = Math.min(total, job.bytesDone + total / 60);
      job.etaMs = ((total - job.bytesDone) / (job.bytesDone || 1)) * job.elapsedMs;
      if (job.bytesDone >= total) {
        clearInterval(timer);
        job.state = "done";
        job.phase = "success";
        job.etaMs = 0;
        this.models.push({ name, size: total, family: "llama", parameterSize: "1B", quantization: "Q4_K_M", contextLength: 8192, embedding: false, isChatDefault: false, isEmbedDefault: false, speed: 0 });
        this.emit("job:done", job);
      } else this.emit("job:progress", job);
    }, 250);
    this.timers.set(job.id, timer);
    return job;
  }
  mDeleteModel(name: string) {
    this.models = this.models.filter((m) => m.name !== name);
  }
  mSettings() {
    return this.settings;
  }
  mRecommendations() {
    const installed = (n: string) => this.models.find((m) => m.name === n);
    const rec = (role: "chat" | "embed", name: string, size: number, parameterSize: string, trait: "default" | "stronger" | "multilingual") => ({
      role, name, size, parameterSize, trait, installed: !!installed(name), installedAs: installed(name)?.name ?? "",
      inUse: name === (role === "chat" ? this.settings.chatModel : this.settings.embedModel),
      speed: name === "qwen3:1.7b" ? 24 : name === "jeffh/intfloat-multilingual-e5-small:f16" ? 2.2 : 0,
    });
    return [
      rec("chat", "qwen3:1.7b", 1.4e9, "2.0B", "default"),
      rec("chat", "qwen3:4b", 2.5e9, "4.0B", "stronger"),
      rec("chat", "gemma2:2b", 1.6e9, "2.6B", "multilingual"),
      rec("embed", "jeffh/intfloat-multilingual-e5-small:f16", 0.236e9, "118M", "default"),
      rec("embed", "bge-m3", 1.2e9, "567M", "stronger"),
      rec("embed", "qwen3-embedding:0.6b", 0.639e9, "596M", "multilingual"),
    ];
  }
  mUseModel(role: string, name: string) {
    const m = this.models.find((x) => x.name === name);
    if (!m) throw new ApiError("model_missing", `The model "${name}" is not installed.`, { model: name });
    if (m.embedding !== (role === "embed")) throw new ApiError("model_role", `${name} cannot take that role.`, { model: name, role });
    if (role === "chat") this.settings.chatModel = name;
    else this.settings.embedModel = name;
  }
  mSaveFile(name: string) {
    if (!this.dialogs) throw new ApiError("no_dialogs", "Saving files needs the desktop app.");
    return `${HOME}/${name}`;
  }
  mOpenFile() {
    if (!this.dialogs) throw new ApiError("no_dialogs", "Opening files needs the desktop app.");
  }
  mSaveSettings(s: Settings) {
    if (s.chunkOverlap >= s.chunkSize) throw new ApiError("invalid", "The overlap must be smaller than the chunk size.");
    this.settings = { ...s };
  }
  mStatus() {
    const offline = this.opts.get("offline") === "1";
    const chat = this.models.find((m) => m.name === this.settings.chatModel);
    const embed = this.models.find((m) => m.name === this.settings.embedModel);
    return {
      reachable: !offline,
      url: "http://127.0.0.1:38211",
      chatModel: this.settings.chatModel,
      chatModelInstalled: !offline && !!chat,
      embedModel: this.settings.embedModel,
      embedModelInstalled: !offline && !!embed,
      message: offline ? "The model runtime is not reachable." : !chat ? `The chat model ${this.settings.chatModel} is not installed.` : "",
    };
  }
  mReady() {
    return null;
  }
}
