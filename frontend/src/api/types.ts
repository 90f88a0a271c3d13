// The data the app API exchanges, written from docs/API.md (the contract with
// the backend). Names and JSON fields are those of the Go DTOs in app/, so
// they match the classes Wails generates in wailsjs/go/models.ts
// (namespace `app`); src/api/contract.test.ts compares the two whenever the
// generated file exists.

export type DocumentStatus = "indexed" | "lexical" | "failed" | "no_text" | "needs_ocr";
export type JobKind = "ingest" | "reindex" | "sync" | "pull" | "import" | "pack-export" | "pack-import";
export type JobState = "running" | "paused" | "done" | "failed" | "canceled";
export type SearchMode = "hybrid" | "lexical";
export type Role = "user" | "assistant";
/** Settings.theme; "" is treated as "system". */
export type Theme = "system" | "light" | "dark" | "";

export interface Collection {
  name: string;
  documents: number;
  chunks: number;
  vectors: number;
  embedModel: string;
}

/** The answer settings a collection overrides: "" and 0 follow the global Settings. */
export interface CollectionSettings {
  chatModel: string;
  topK: number;
  /** "" follows Settings; a new one builds its vectors while the old ones keep answering. */
  embedModel: string;
}

/** Why a file could not be read, for words with a remedy ("" = none of these). */
export type FailureKind = "encrypted" | "no_text" | "needs_ocr" | "damaged" | "too_large" | "corrupt" | "unsupported" | "permission" | "missing" | "timeout" | "";

export interface Document {
  path: string;
  name: string;
  status: DocumentStatus;
  error: string;
  errorCode: FailureKind;
  chunks: number;
  pages: number;
  title: string;
  /** Unix seconds. */
  indexedAt: number;
}

export interface Failure {
  path: string;
  reason: string;
  /** A FailureKind for a document, an error code for a model file. */
  code: string;
}

/** A model an import (or a download) installed, and whether it is now the model of its role. */
export interface ImportedModel {
  name: string;
  role: ModelRole;
  chosen: boolean;
}

export type ModelRole = "chat" | "embed";

export interface JobSummary {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  chunks: number;
  vectors: number;
  /** True when the job indexed without vectors (no embedding model reachable). */
  lexicalOnly: boolean;
  /** Why vectors were not computed ("" when they were). */
  embedErrorCode: string;
  embedErrorParams: Record<string, string>;
  /** A model import: the models installed. */
  models: ImportedModel[];
  warnings: string[];
  failures: Failure[];
}

export interface Job {
  id: string;
  kind: JobKind;
  collection: string;
  /** The model a pull or an import is about (a folder import: the folder's name; `current` is the file). */
  model: string;
  state: JobState;
  /** Indexing: "scanning", "reading" (each file keyword-searchable as it is stored), "embedding", "done". */
  phase: string;
  filesDone: number;
  filesTotal: number;
  chunks: number;
  failed: number;
  elapsedMs: number;
  etaMs: number;
  current: string;
  bytesDone: number;
  bytesTotal: number;
  /** Files/s while reading, passages/s while embedding, bytes/s while downloading; 0 = not measured yet. */
  rate: number;
  /** The embedding phase: the collection's passages with a vector, of all of them. */
  vectorsDone: number;
  vectorsTotal: number;
  embedModel: string;
  /** True when a new embedding model's vectors replace the old ones (which answer until then). */
  rebuild: boolean;
  /** Scanned pages (and images) read by OCR so far, and found so far. */
  ocrPagesDone: number;
  ocrPagesTotal: number;
  summary?: JobSummary;
  error: string;
  errorCode: string;
  errorParams: Record<string, string>;
}

/** A folder a collection follows while Kura runs. */
export interface WatchedFolder {
  collection: string;
  path: string;
  name: string;
  addedAt: number;
  /** Unix seconds; 0 = not synced yet. */
  lastSync: number;
  lastError: string;
}

export type EmbedState = "embedding" | "waiting" | "done" | "failed" | "stopped" | "off";

/** Where a collection's vectors stand (the `embed:progress` event). */
export interface EmbedStatus {
  collection: string;
  model: string;
  state: EmbedState;
  done: number;
  total: number;
  rebuild: boolean;
  rate: number;
  etaMs: number;
  elapsedMs: number;
  error: string;
  errorCode: string;
  errorParams: Record<string, string>;
}

export interface Passage {
  /** The citation number [n] in the answer. */
  n: number;
  path: string;
  name: string;
  /** 1-based; 0 = the format has no pages. */
  page: number;
  /**
   * The page the passage ends on: `page`, or a later page when a sentence
   * runs across a page break ("pp. 11–12").
   */
  endPage: number;
  /**
   * What `page` counts: pages ("p. 3"), or, when false, the sections of a
   * long text of a format without pages ("§ 3").
   */
  paged: boolean;
  /**
   * Code-point offsets (not UTF-16 indices): `start` into `page`'s text,
   * `end` into `endPage`'s.
   */
  start: number;
  end: number;
  text: string;
  score: number;
  /** The text was recognised by OCR from a scan. */
  ocr: boolean;
  cited: boolean;
  /** The passage the quote [start, end) was taken from (0, 0 when the quote is the passage). */
  passageStart: number;
  passageEnd: number;
  /** The content hash of the passage's file: one file under two paths has one hash ("" in answers saved before it was kept). */
  hash: string;
}

/** Why a search ran on keywords alone. */
export type SearchWarning = "no_vectors" | "embed_failed" | "";

export interface SearchResult {
  mode: SearchMode;
  warning: string;
  warningCode: SearchWarning;
  passages: Passage[];
}

export interface Conversation {
  id: number;
  title: string;
  collection: string;
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: number;
  role: Role;
  text: string;
  /** An answer's quotes; a question's documents and folders it was restricted to (path and name only). */
  sources: Passage[];
  /** false when the answer was stopped or failed part way. */
  complete: boolean;
  error: string;
  errorCode: string;
  errorParams: Record<string, string>;
  createdAt: number;
  /** No chat model could answer (error says why): the text is the documents' own sentences, each cited. */
  fromDocuments?: boolean;
  /** An answer's sentences judged against its quotes; null for questions and older answers. */
  check?: AnswerCheck | null;
}

/** How much of an answer its quotes support: `supported` of `judged` sentences were found in the sources. */
export interface AnswerCheck {
  sentences: SentenceCheck[];
  judged: number;
  supported: number;
}

export type Verdict = "supported" | "partly" | "unsupported" | "";

/** One sentence of an answer: its verdict, the quotes that support it best, the numbers no quote holds. */
export interface SentenceCheck {
  text: string;
  verdict: Verdict;
  cited: number[];
  quotes: number[];
  numbersMissing: string[];
  missingQuotes: number[];
  /** A quote that supports the sentence when the one it cites does not (0: none). */
  suggest: number;
}

export interface Source {
  path: string;
  name: string;
  page: number;
  /** As Passage.paged. */
  paged: boolean;
  pages: number;
  text: string;
  /** The page's text was recognised by OCR from a scan, and may hold errors. */
  ocr: boolean;
  isPdf: boolean;
  fileUrl: string;
}

export interface Runtime {
  bundled: boolean;
  url: string;
  version: string;
  modelsDir: string;
  running: string[];
  reachable: boolean;
  error: string;
}

export interface Model {
  name: string;
  size: number;
  family: string;
  parameterSize: string;
  quantization: string;
  contextLength: number;
  embedding: boolean;
  isChatDefault: boolean;
  isEmbedDefault: boolean;
  /** Measured here: a chat model's prompt tokens read per second, an embedding model's passages per second; 0 = not yet. */
  speed: number;
}

export interface Recommendation {
  role: ModelRole;
  name: string;
  /** Download size in bytes. */
  size: number;
  parameterSize: string;
  trait: "default" | "stronger" | "multilingual";
  installed: boolean;
  /** The installed model's name: name, or another for the same weights (imported from a file); "" when not installed. */
  installedAs: string;
  inUse: boolean;
  speed: number;
}

export interface Settings {
  ollamaUrl: string;
  chatModel: string;
  embedModel: string;
  topK: number;
  /** 0 = vectors only, 1 = keywords only. */
  lexicalWeight: number;
  chunkSize: number;
  chunkOverlap: number;
  maxContext: number;
  /** How long an answer may take to start (seconds, 3..300): the prompt is sized to it. */
  firstTokenSeconds: number;
  theme: Theme;
  /** "" = follow the system; otherwise "en", "ja" or "ko". */
  language: string;
  /** Kura's version (read-only; SaveSettings ignores it). */
  version: string;
  /** The folder Kura keeps its data in (read-only). */
  dataDir: string;
  /** True when dataDir is the kura-data folder beside Kura: everything it writes stays there. */
  portable: boolean;
}

export interface Status {
  reachable: boolean;
  url: string;
  chatModel: string;
  chatModelInstalled: boolean;
  embedModel: string;
  embedModelInstalled: boolean;
  message: string;
}

/** Payload of the `answer:sources` event: what the model reads, before its first token. */
export interface AnswerSources {
  requestId: string;
  conversationId: number;
  sources: Passage[];
  /** Passages found but left out so the answer starts within the first-token target. */
  dropped: number;
  mode: SearchMode;
  warning: string;
  warningCode: SearchWarning;
  model: string;
  freshTokens: number;
  /** Estimated reading time; 0 until the model's speed is measured. */
  readingMs: number;
  /** The answer from the documents, shown at once: the sentences that answer most directly (n: the quote holding it, 0 none). */
  extract?: Passage[];
}

/** Payload of the `answer:token` event. */
export interface AnswerToken {
  requestId: string;
  conversationId: number;
  text: string;
}

/** Payload of the `answer:done` event. */
export interface AnswerDone {
  requestId: string;
  conversationId: number;
  message: Message;
  error: string;
}

/** How a knowledge pack is sealed (export) or opened (import). */
export interface PackSeal {
  passphrase: string;
  /** Public keys (age1...) to seal for, instead of a passphrase. */
  recipients: string[];
  /** A secret key file that opens a pack sealed for public keys. */
  keyFile: string;
}

/** What ExportPack writes. */
export interface PackExport {
  collection: string;
  out: string;
  withFiles: boolean;
  withModels: boolean;
  seal: PackSeal;
}

/** A pack file: how it is sealed, and once opened, what it holds. */
export interface PackInfo {
  path: string;
  passphrase: boolean;
  opened: boolean;
  collection: string;
  /** A collection of that name exists here: replace it or choose another name. */
  exists: boolean;
  documents: number;
  chunks: number;
  vectors: number;
  embedModel: string;
  files: number;
  models: number;
  /** Unix seconds. */
  created: number;
}

/** Payload of the `files:dropped` event (desktop only). */
export interface FilesDropped {
  paths: string[];
}

/**
 * The bound EventTypes() returns this so Wails generates the payload types;
 * it is never sent and the UI never calls it.
 */
export interface EventPayloads {
  jobProgress: Job;
  jobDone: Job;
  answerSources: AnswerSources;
  answerToken: AnswerToken;
  answerDone: AnswerDone;
  filesDropped: FilesDropped;
  embedProgress: EmbedStatus;
}

/** Events as the UI receives them (files:dropped is unwrapped to its paths). */
export interface EventMap {
  "job:progress": Job;
  "job:done": Job;
  "answer:sources": AnswerSources;
  "answer:token": AnswerToken;
  "answer:done": AnswerDone;
  /** Desktop only: the FilesDropped paths. */
  "files:dropped": string[];
  "embed:progress": EmbedStatus;
}

export type EventName = keyof EventMap;
export const EVENT_NAMES: readonly EventName[] = [
  "job:progress",
  "job:done",
  "answer:sources",
  "answer:token",
  "answer:done",
  "files:dropped",
  "embed:progress",
];

/** Error codes (docs/API.md, "Error codes"); "unauthorized" and "network" are the client's own. */
export const ERROR_CODES = [
  "not_found",
  "model_missing",
  "model_role",
  "unreachable",
  "no_registry",
  "no_such_model",
  "no_gguf",
  "context_too_small",
  "out_of_range",
  "bad_path",
  "not_a_file",
  "bad_name",
  "no_dialogs",
  "not_pausable",
  "job_ended",
  "invalid",
  "canceled",
  "internal",
  "unauthorized",
  "network",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
