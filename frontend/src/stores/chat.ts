// Conversations and their saved messages. A question is shown at once as an
// unsaved user message (negative id); the quotes and the answer stream in the
// streaming store and are replaced by the saved message from answer:done.
// A question may be restricted to chosen documents and folders (the scope,
// kept per conversation for its follow-ups).

import { computed, signal } from "@preact/signals";
import { ApiError, type Api, type AnswerDone, type Conversation, type Message, type Passage } from "../api";
import { errorMessage } from "../i18n/errors";
import type { StreamingStore } from "./streaming";

/** A document or folder a question is restricted to. */
export interface ScopeItem {
  path: string;
  name: string;
  folder: boolean;
}

/** The scope a saved question was asked within (its sources are the paths). */
export function scopeOf(m: Pick<Message, "role" | "sources">): ScopeItem[] {
  if (m.role !== "user") return [];
  return m.sources.map((s: Passage) => ({ path: s.path, name: s.name || s.path, folder: false }));
}

/** Where a conversation not created yet keeps its scope. */
const DRAFT = 0;

/** How long to wait for answer:done after a stop before keeping the partial text locally. */
export const STOP_GRACE_MS = 8000;

let localIds = 0;
const localId = () => -(++localIds);
const now = () => Math.floor(Date.now() / 1000);

export function createChatStore(api: Api, streaming: StreamingStore, opts: { onError?: (msg: string) => void } = {}) {
  const conversations = signal<Conversation[]>([]);
  const currentId = signal<number | null>(null);
  const cache = signal<ReadonlyMap<number, Message[]>>(new Map());
  const loadingMessages = signal(false);
  const scopes = signal<ReadonlyMap<number, ScopeItem[]>>(new Map());

  const current = computed(() => conversations.value.find((c) => c.id === currentId.value) ?? null);
  const messages = computed(() => (currentId.value ? cache.value.get(currentId.value) ?? [] : []));
  const stream = computed(() => (currentId.value ? streaming.streams.value.get(currentId.value) : undefined));
  /** Changes only when an answer starts or ends, not per token. */
  const isStreaming = computed(() => !!stream.value);
  /** The documents and folders the next question in the open conversation is restricted to. */
  const scope = computed(() => scopes.value.get(currentId.value ?? DRAFT) ?? []);

  function setScope(items: ScopeItem[], id: number | null = currentId.value) {
    const next = new Map(scopes.value);
    const unique = items.filter((x, i) => items.findIndex((y) => y.path === x.path) === i);
    if (unique.length > 0) next.set(id ?? DRAFT, unique);
    else next.delete(id ?? DRAFT);
    scopes.value = next;
  }

  function setMessages(id: number, list: Message[]) {
    const next = new Map(cache.value);
    next.set(id, list);
    cache.value = next;
  }

  async function loadConversations() {
    conversations.value = await api.Conversations();
  }

  async function loadMessages(id: number) {
    loadingMessages.value = !cache.value.has(id);
    try {
      const list = await api.Messages(id);
      // While an answer streams, the unsaved question stays on screen.
      if (!streaming.get(id)) setMessages(id, list);
    } finally {
      loadingMessages.value = false;
    }
  }

  function select(id: number | null) {
    currentId.value = id;
    if (id !== null) void loadMessages(id).catch((e) => opts.onError?.(errorMessage(e)));
  }

  async function newConversation(collection: string): Promise<Conversation> {
    const c = await api.NewConversation(collection);
    conversations.value = [c, ...conversations.value.filter((x) => x.id !== c.id)];
    setMessages(c.id, []);
    // A scope chosen before the conversation existed goes with it.
    const draft = scopes.value.get(DRAFT);
    if (draft && currentId.value === null) {
      setScope(draft, c.id);
      setScope([], null);
    }
    currentId.value = c.id;
    return c;
  }

  /**
   * Opens a new, empty chat without creating anything: the conversation is
   * made by the first question (ask). A "New chat" clicked ten times adds
   * no ten empty conversations to the list.
   */
  function newChat() {
    currentId.value = null;
  }

  /** Sends a question in the open conversation, creating it in `collection` first when the chat is new. */
  async function ask(collection: string, question: string) {
    let id = currentId.value;
    if (id === null) id = (await newConversation(collection)).id;
    await send(id, question);
  }

  async function rename(id: number, title: string) {
    await api.RenameConversation(id, title);
    conversations.value = conversations.value.map((c) => (c.id === id ? { ...c, title } : c));
  }

  async function remove(id: number) {
    await api.DeleteConversation(id);
    conversations.value = conversations.value.filter((c) => c.id !== id);
    if (currentId.value === id) currentId.value = null;
  }

  /** Sends a question in conversation `id` (within its scope); the answer arrives by events. */
  async function send(id: number, question: string) {
    const q = question.trim();
    if (!q || streaming.get(id)) return;
    const within = scopes.value.get(id) ?? [];
    const userMsg: Message = {
      id: localId(),
      role: "user",
      text: q,
      sources: within.map((w, i) => ({ n: i + 1, path: w.path, name: w.name, page: 0, endPage: 0, start: 0, end: 0, text: "", score: 0, ocr: false, cited: false, passageStart: 0, passageEnd: 0, hash: "" })),
      complete: true,
      error: "",
      errorCode: "",
      errorParams: {},
      createdAt: now(),
    };
    setMessages(id, [...(cache.value.get(id) ?? []), userMsg]);
    streaming.begin(id, q);
    try {
      const requestId = await api.Ask(
        id,
        q,
        within.map((w) => w.path),
      );
      streaming.attach(id, requestId);
      if (streaming.get(id)?.stopRequested) await api.StopAnswer(requestId);
    } catch (err) {
      const s = streaming.drop(id);
      const failed: Message = {
        id: localId(),
        role: "assistant",
        text: s?.text ?? "",
        sources: [],
        complete: false,
        error: errorMessage(err),
        errorCode: err instanceof ApiError ? err.code : "",
        errorParams: err instanceof ApiError ? err.params : {},
        createdAt: now(),
      };
      setMessages(id, [...(cache.value.get(id) ?? []), failed]);
    }
  }

  /** Stops the answer streaming in conversation `id`; the partial text is kept. */
  async function stop(id: number) {
    const requestId = streaming.requestStop(id);
    if (requestId) {
      try {
        await api.StopAnswer(requestId);
      } catch (err) {
        opts.onError?.(errorMessage(err));
      }
    }
    // The backend answers a stop with answer:done; if it never comes, keep
    // what was received so the user does not lose it.
    setTimeout(() => {
      const s = streaming.get(id);
      if (s && s.stopRequested && s.requestId === requestId) {
        onDone({ requestId: requestId ?? "", conversationId: id, message: null as unknown as Message, error: "" });
      }
    }, STOP_GRACE_MS);
  }

  /** Handles answer:done: the saved message replaces the stream. */
  function onDone(ev: AnswerDone) {
    const s = streaming.finish(ev);
    const id = ev.conversationId;
    const saved = ev.message && (ev.message.id || ev.message.text) ? ev.message : null;
    const msg: Message = saved
      ? { ...saved, error: saved.error || ev.error }
      : {
          id: localId(),
          role: "assistant",
          text: s?.text ?? "",
          sources: s?.context?.sources ?? [],
          complete: false,
          error: ev.error,
          errorCode: "",
          errorParams: {},
          createdAt: now(),
        };
    const list = (cache.value.get(id) ?? []).filter((m) => m.id !== msg.id);
    setMessages(id, [...list, msg]);
    // Reconcile ids and titles with what the backend saved.
    void loadConversations().catch(() => {});
    if (saved) void loadMessages(id).catch(() => {});
  }

  function start() {
    const offs = [
      api.on("answer:sources", (ev) => streaming.sources(ev)),
      api.on("answer:token", (ev) => streaming.token(ev)),
      api.on("answer:done", onDone),
      api.onReconnect(() => {
        void loadConversations().catch(() => {});
        if (currentId.value) void loadMessages(currentId.value).catch(() => {});
      }),
    ];
    return () => offs.forEach((f) => f());
  }

  /** Loads the chat model in the background, so the first answer does not wait for it (the chat view calls it). */
  function preload() {
    void api.PreloadChatModel().catch(() => {});
  }

  return {
    conversations,
    currentId,
    current,
    messages,
    stream,
    isStreaming,
    scope,
    setScope,
    preload,
    loadingMessages,
    loadConversations,
    loadMessages,
    select,
    newConversation,
    newChat,
    ask,
    rename,
    remove,
    send,
    stop,
    onDone,
    start,
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;
