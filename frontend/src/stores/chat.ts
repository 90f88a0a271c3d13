// Conversations and their saved messages. A question is shown at once as an
// unsaved user message (negative id); the answer streams in the streaming
// store and is replaced by the saved message from answer:done.

import { computed, signal } from "@preact/signals";
import { errorMessage, type Api, type AnswerDone, type Conversation, type Message } from "../api";
import type { StreamingStore } from "./streaming";

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

  const current = computed(() => conversations.value.find((c) => c.id === currentId.value) ?? null);
  const messages = computed(() => (currentId.value ? cache.value.get(currentId.value) ?? [] : []));
  const stream = computed(() => (currentId.value ? streaming.streams.value.get(currentId.value) : undefined));
  /** Changes only when an answer starts or ends, not per token. */
  const isStreaming = computed(() => !!stream.value);

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
    currentId.value = c.id;
    return c;
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

  /** Sends a question in conversation `id`; the answer arrives by events. */
  async function send(id: number, question: string) {
    const q = question.trim();
    if (!q || streaming.get(id)) return;
    const userMsg: Message = { id: localId(), role: "user", text: q, sources: [], complete: true, error: "", createdAt: now() };
    setMessages(id, [...(cache.value.get(id) ?? []), userMsg]);
    streaming.begin(id, q);
    try {
      const requestId = await api.Ask(id, q);
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
          sources: [],
          complete: false,
          error: ev.error,
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
      api.on("answer:token", (ev) => streaming.token(ev)),
      api.on("answer:done", onDone),
      api.onReconnect(() => {
        void loadConversations().catch(() => {});
        if (currentId.value) void loadMessages(currentId.value).catch(() => {});
      }),
    ];
    return () => offs.forEach((f) => f());
  }

  return {
    conversations,
    currentId,
    current,
    messages,
    stream,
    isStreaming,
    loadingMessages,
    loadConversations,
    loadMessages,
    select,
    newConversation,
    rename,
    remove,
    send,
    stop,
    onDone,
    start,
  };
}

export type ChatStore = ReturnType<typeof createChatStore>;
