// The typed app API: the only module that knows a backend exists. Every
// method of app.App (docs/API.md) is here under its Go name; results are
// normalised (Go nil slices arrive as null) so the rest of the UI never
// checks for null lists. Pick a transport with connect().

import { HttpTransport, tokenFromUrl } from "./http";
import { ApiError, type FileSource, type Transport } from "./transport";
import type {
  Collection,
  CollectionSettings,
  Conversation,
  Document,
  EmbedStatus,
  EventMap,
  WatchedFolder,
  EventName,
  Failure,
  Job,
  Message,
  Passage,
  SentenceCheck,
  Verdict,
  Model,
  PackExport,
  PackInfo,
  PackSeal,
  ModelRole,
  Recommendation,
  Runtime,
  SearchResult,
  Settings,
  Source,
  Status,
} from "./types";
import { WailsTransport, isWails, type WailsWindow } from "./wails";

export * from "./types";
export { ApiError, apiErrorFrom } from "./transport";
export type { Transport, FileSource } from "./transport";

const list = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);
const str = (x: unknown): string => (typeof x === "string" ? x : "");

const num = (x: unknown): number => (typeof x === "number" && Number.isFinite(x) ? x : 0);
const dict = (x: unknown): Record<string, string> => (x && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, string>) : {});

export function normalizeJob(j: Job): Job {
  const job = {
    ...j,
    error: str(j.error),
    current: str(j.current),
    phase: str(j.phase),
    embedModel: str(j.embedModel),
    model: str(j.model),
    errorCode: str(j.errorCode),
    errorParams: dict(j.errorParams),
    rate: num(j.rate),
    vectorsDone: num(j.vectorsDone),
    vectorsTotal: num(j.vectorsTotal),
    rebuild: j.rebuild === true,
  };
  if (j.summary) {
    job.summary = {
      ...j.summary,
      warnings: list(j.summary.warnings),
      failures: list<Failure>(j.summary.failures).map((f) => ({ ...f, code: str(f.code) })),
      models: list(j.summary.models),
      embedErrorCode: str(j.summary.embedErrorCode),
      embedErrorParams: dict(j.summary.embedErrorParams),
    };
  } else {
    delete job.summary;
  }
  return job;
}

export function normalizeMessage(m: Message): Message {
  const check = m.check
    ? {
        judged: num(m.check.judged),
        supported: num(m.check.supported),
        sentences: list<SentenceCheck>(m.check.sentences).map((s) => ({
          ...s,
          text: str(s.text),
          verdict: str(s.verdict) as Verdict,
          cited: list<number>(s.cited),
          quotes: list<number>(s.quotes),
          numbersMissing: list<string>(s.numbersMissing),
          missingQuotes: list<number>(s.missingQuotes),
          suggest: num(s.suggest),
        })),
      }
    : null;
  return { ...m, text: str(m.text), error: str(m.error), errorCode: str(m.errorCode), errorParams: dict(m.errorParams), sources: list(m.sources), check, fromDocuments: m.fromDocuments === true };
}

export function normalizeEmbed(e: EmbedStatus): EmbedStatus {
  return { ...e, error: str(e.error), errorCode: str(e.errorCode), errorParams: dict(e.errorParams), rate: num(e.rate), etaMs: num(e.etaMs) };
}

/** files:dropped may carry string[], {paths} or the paths as separate arguments. */
export function normalizeDropped(p: unknown): string[] {
  if (Array.isArray(p)) return p.filter((x): x is string => typeof x === "string" && x !== "");
  if (typeof p === "string") return p ? [p] : [];
  if (p && typeof p === "object" && "paths" in p) return normalizeDropped((p as { paths: unknown }).paths);
  return [];
}

function normalizeEvent(name: EventName, payload: unknown): unknown {
  switch (name) {
    case "job:progress":
    case "job:done":
      return normalizeJob(payload as Job);
    case "answer:done": {
      const d = payload as EventMap["answer:done"];
      return { ...d, error: str(d.error), message: d.message ? normalizeMessage(d.message) : null };
    }
    case "answer:sources": {
      const d = payload as EventMap["answer:sources"];
      return { ...d, sources: list(d.sources), warning: str(d.warning), warningCode: str(d.warningCode), model: str(d.model), dropped: num(d.dropped), readingMs: num(d.readingMs), extract: list<Passage>(d.extract) };
    }
    case "embed:progress":
      return normalizeEmbed(payload as EmbedStatus);
    case "files:dropped":
      return normalizeDropped(payload);
    default:
      return payload;
  }
}

export function createApi(t: Transport) {
  const call = async <T>(method: string, ...args: unknown[]): Promise<T> => (await t.call(method, args)) as T;
  return {
    /** Which transport is in use: "wails" has native dialogs and file drops. */
    transport: t.kind,
    /** Whether ChooseFolder/ChooseFiles can open native dialogs. */
    dialogs: t.dialogs,

    // Library
    Collections: async () => list<Collection>(await call("Collections")),
    CreateCollection: (name: string) => call<Collection>("CreateCollection", name),
    DeleteCollection: (name: string) => call<void>("DeleteCollection", name),
    CollectionSettings: async (collection: string): Promise<CollectionSettings> => {
      const s = (await call<CollectionSettings>("CollectionSettings", collection)) ?? { chatModel: "", topK: 0, embedModel: "" };
      return { chatModel: str(s.chatModel), topK: num(s.topK), embedModel: str(s.embedModel) };
    },
    SaveCollectionSettings: (collection: string, s: CollectionSettings) => call<void>("SaveCollectionSettings", collection, s),
    Documents: async (collection: string) =>
      list<Document>(await call("Documents", collection)).map((d) => ({ ...d, errorCode: str(d.errorCode) as Document["errorCode"] })),
    RemoveDocument: (collection: string, path: string) => call<void>("RemoveDocument", collection, path),
    ReindexDocument: async (collection: string, path: string) =>
      normalizeJob(await call<Job>("ReindexDocument", collection, path)),
    ReindexCollection: async (collection: string) => normalizeJob(await call<Job>("ReindexCollection", collection)),
    StartIngest: async (collection: string, paths: string[]) =>
      normalizeJob(await call<Job>("StartIngest", collection, paths)),
    PauseJob: (id: string) => call<void>("PauseJob", id),
    ResumeJob: (id: string) => call<void>("ResumeJob", id),
    CancelJob: (id: string) => call<void>("CancelJob", id),
    Jobs: async () => list<Job>(await call("Jobs")).map(normalizeJob),
    /** "" when the user cancelled the dialog; ApiError "no_dialogs" in the browser. */
    ChooseFolder: async () => str(await call("ChooseFolder")),
    ChooseFiles: async () => list<string>(await call("ChooseFiles")),
    /** Saves content where the user chooses (desktop); "" when cancelled; "no_dialogs" in the browser. */
    SaveFile: async (name: string, content: string) => str(await call("SaveFile", name, content)),
    /** Opens a document in the system's viewer (desktop); "no_dialogs" in the browser. */
    OpenFile: (collection: string, path: string) => call<void>("OpenFile", collection, path),
    EmbeddingStatus: async () => list<EmbedStatus>(await call("EmbeddingStatus")).map(normalizeEmbed),
    WatchedFolders: async () => list<WatchedFolder>(await call("WatchedFolders")),
    StopWatching: (collection: string, path: string) => call<void>("StopWatching", collection, path),

    // Knowledge packs
    ExportPack: async (e: PackExport) => normalizeJob(await call<Job>("ExportPack", e)),
    /** With an empty seal only `passphrase` (how it is sealed) is known. */
    InspectPack: (path: string, seal: PackSeal) => call<PackInfo>("InspectPack", path, seal),
    ImportPack: async (path: string, seal: PackSeal, name: string, replace: boolean) =>
      normalizeJob(await call<Job>("ImportPack", path, seal, name, replace)),
    /** "" when the user cancelled; ApiError "invalid" in the browser. */
    ChoosePackFile: async () => str(await call("ChoosePackFile")),
    ChoosePackDestination: async (collection: string) => str(await call("ChoosePackDestination", collection)),

    // Search and chat
    Search: async (collection: string, query: string, k: number): Promise<SearchResult> => {
      const r = ((await call("Search", collection, query, k)) ?? {}) as SearchResult;
      return {
        mode: r.mode === "hybrid" ? "hybrid" : "lexical",
        warning: str(r.warning),
        warningCode: str(r.warningCode) as SearchResult["warningCode"],
        passages: list(r.passages),
      };
    },
    Conversations: async () => list<Conversation>(await call("Conversations")),
    NewConversation: (collection: string) => call<Conversation>("NewConversation", collection),
    RenameConversation: (id: number, title: string) => call<void>("RenameConversation", id, title),
    DeleteConversation: (id: number) => call<void>("DeleteConversation", id),
    Messages: async (conversationID: number) => list<Message>(await call("Messages", conversationID)).map(normalizeMessage),
    /**
     * Returns the request id at once; the quotes arrive as answer:sources,
     * the answer as answer:token / answer:done. `within` restricts the
     * question to those documents and folders (absolute paths).
     */
    Ask: (conversationID: number, question: string, within: string[] = []) => call<string>("Ask", conversationID, question, within),
    StopAnswer: (requestID: string) => call<void>("StopAnswer", requestID),
    /** Loads the chat model in the background; returns at once. */
    PreloadChatModel: () => call<void>("PreloadChatModel"),
    Source: async (collection: string, path: string, page: number) => {
      const s = await call<Source>("Source", collection, path, page);
      return { ...s, text: str(s.text), fileUrl: str(s.fileUrl) };
    },

    // Models and settings
    Runtime: async () => {
      const r = await call<Runtime>("Runtime");
      return { ...r, running: list<string>(r.running), error: str(r.error) };
    },
    Models: async () => list<Model>(await call("Models")).map((m) => ({ ...m, speed: num(m.speed) })),
    Recommendations: async () => list<Recommendation>(await call("Recommendations")).map((r) => ({ ...r, speed: num(r.speed) })),
    UseModel: (role: ModelRole, name: string) => call<void>("UseModel", role, name),
    PullModel: async (name: string) => normalizeJob(await call<Job>("PullModel", name)),
    ImportModel: async (path: string, name: string) => normalizeJob(await call<Job>("ImportModel", path, name)),
    DeleteModel: (name: string) => call<void>("DeleteModel", name),
    Settings: () => call<Settings>("Settings"),
    SaveSettings: (s: Settings) => call<void>("SaveSettings", s),
    Status: () => call<Status>("Status"),
    Ready: () => call<void>("Ready"),

    /** Subscribes to a backend event; returns the unsubscribe function. */
    on<K extends EventName>(name: K, handler: (payload: EventMap[K]) => void): () => void {
      return t.subscribe(name, (p) => handler(normalizeEvent(name, p) as EventMap[K]));
    },
    /** Called when the event stream came back after a break (refetch state). */
    onReconnect: (handler: () => void) => t.onReconnect(handler),
    /** Where pdf.js should load a Source.fileUrl from. */
    fileSource: (fileUrl: string): Promise<FileSource> => Promise.resolve(t.fileSource(fileUrl)),
  };
}

export type Api = ReturnType<typeof createApi>;

/**
 * Picks the transport for this page: the in-memory mock with ?mock=1, the
 * Wails bindings in the desktop window, else HTTP to `kura serve`.
 */
export async function connect(win: Window = window): Promise<Api> {
  const params = new URLSearchParams(win.location.search);
  if (params.get("mock") === "1") {
    const { MockTransport } = await import("./mock");
    return createApi(new MockTransport(params));
  }
  if (isWails(win)) return createApi(new WailsTransport(win as unknown as WailsWindow));
  return createApi(new HttpTransport({ token: tokenFromUrl(win.location.href) }));
}

/** The backend's English words for an error (see i18n/errors.ts for the user's language). */
export function rawErrorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isApiError(err: unknown, code: ApiError["code"]): boolean {
  return err instanceof ApiError && err.code === code;
}
