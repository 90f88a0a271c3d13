// The typed app API: the only module that knows a backend exists. Every
// method of app.App (docs/API.md) is here under its Go name; results are
// normalised (Go nil slices arrive as null) so the rest of the UI never
// checks for null lists. Pick a transport with connect().

import { HttpTransport, tokenFromUrl } from "./http";
import { ApiError, type FileSource, type Transport } from "./transport";
import type {
  Collection,
  Conversation,
  Document,
  EmbedStatus,
  EventMap,
  WatchedFolder,
  EventName,
  Job,
  Message,
  Model,
  PackExport,
  PackInfo,
  PackSeal,
  Runtime,
  SearchResult,
  Settings,
  Source,
  Status,
} from "./types";
import { WailsTransport, isWails, type WailsWindow } from "./wails";

export * from "./types";
export { ApiError } from "./transport";
export type { Transport, FileSource } from "./transport";

const list = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);
const str = (x: unknown): string => (typeof x === "string" ? x : "");

const num = (x: unknown): number => (typeof x === "number" && Number.isFinite(x) ? x : 0);

export function normalizeJob(j: Job): Job {
  const job = {
    ...j,
    error: str(j.error),
    current: str(j.current),
    phase: str(j.phase),
    embedModel: str(j.embedModel),
    rate: num(j.rate),
    vectorsDone: num(j.vectorsDone),
    vectorsTotal: num(j.vectorsTotal),
    rebuild: j.rebuild === true,
  };
  if (j.summary) {
    job.summary = { ...j.summary, warnings: list(j.summary.warnings), failures: list(j.summary.failures) };
  } else {
    delete job.summary;
  }
  return job;
}

export function normalizeMessage(m: Message): Message {
  return { ...m, text: str(m.text), error: str(m.error), sources: list(m.sources) };
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
      return { ...d, sources: list(d.sources), warning: str(d.warning), model: str(d.model) };
    }
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
    Documents: async (collection: string) => list<Document>(await call("Documents", collection)),
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
    /** "" when the user cancelled the dialog; ApiError "invalid" in the browser. */
    ChooseFolder: async () => str(await call("ChooseFolder")),
    ChooseFiles: async () => list<string>(await call("ChooseFiles")),
    EmbeddingStatus: async () => list<EmbedStatus>(await call("EmbeddingStatus")),
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
      return { mode: r.mode === "hybrid" ? "hybrid" : "lexical", warning: str(r.warning), passages: list(r.passages) };
    },
    Conversations: async () => list<Conversation>(await call("Conversations")),
    NewConversation: (collection: string) => call<Conversation>("NewConversation", collection),
    RenameConversation: (id: number, title: string) => call<void>("RenameConversation", id, title),
    DeleteConversation: (id: number) => call<void>("DeleteConversation", id),
    Messages: async (conversationID: number) => list<Message>(await call("Messages", conversationID)).map(normalizeMessage),
    /** Returns the request id at once; the answer arrives as answer:token / answer:done. */
    Ask: (conversationID: number, question: string) => call<string>("Ask", conversationID, question),
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
    Models: async () => list<Model>(await call("Models")),
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

/** The message to show for any error thrown by an API call. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isApiError(err: unknown, code: ApiError["code"]): boolean {
  return err instanceof ApiError && err.code === code;
}
