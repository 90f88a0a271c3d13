import { afterEach, describe, expect, it, vi } from "vitest";
import type { AnswerDone, AnswerToken, Api, Message } from "../api";
import { ApiError } from "../api";
import { setLanguage } from "../i18n";
import { ja } from "../i18n/ja";
import { createChatStore, STOP_GRACE_MS } from "./chat";
import { createStreamingStore } from "./streaming";

type Handler = (p: unknown) => void;

/** An Api whose Ask answers with a request id and whose events the test emits. */
function fakeApi(opts: { ask?: () => Promise<string>; messages?: Message[] } = {}) {
  const handlers = new Map<string, Handler[]>();
  const api = {
    on: (name: string, h: Handler) => {
      handlers.set(name, [...(handlers.get(name) ?? []), h]);
      return () => {};
    },
    onReconnect: () => () => {},
    Ask: vi.fn(opts.ask ?? (async () => "req-1")),
    StopAnswer: vi.fn(async () => {}),
    Messages: vi.fn(async () => opts.messages ?? []),
    Conversations: vi.fn(async () => []),
  };
  const emit = (name: string, p: unknown) => (handlers.get(name) ?? []).forEach((h) => h(p));
  return { api: api as unknown as Api, raw: api, emit };
}

const token = (text: string, requestId = "req-1", conversationId = 7): AnswerToken => ({ requestId, conversationId, text });
const saved = (text: string, complete = true): Message => ({ id: 99, role: "assistant", text, sources: [], complete, error: "", errorCode: "", errorParams: {}, createdAt: 1 });

function setup(opts?: Parameters<typeof fakeApi>[0]) {
  const f = fakeApi(opts);
  const streaming = createStreamingStore();
  const chat = createChatStore(f.api, streaming);
  chat.start();
  chat.select(7);
  return { ...f, streaming, chat };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("streaming an answer", () => {
  it("shows the question at once and appends tokens as they come", async () => {
    const { chat, emit } = setup();
    await chat.send(7, "回答者数は？");
    expect(chat.messages.value.map((m) => [m.role, m.text])).toEqual([["user", "回答者数は？"]]);
    emit("answer:token", token("316"));
    emit("answer:token", token("人です [1]"));
    expect(chat.stream.value?.text).toBe("316人です [1]");
    expect(chat.stream.value?.requestId).toBe("req-1");
  });

  it("keeps tokens that arrive before Ask resolves", async () => {
    let resolve!: (id: string) => void;
    const { chat, emit } = setup({ ask: () => new Promise((r) => (resolve = r)) });
    const sending = chat.send(7, "q");
    emit("answer:token", token("early "));
    resolve("req-1");
    await sending;
    emit("answer:token", token("late"));
    expect(chat.stream.value?.text).toBe("early late");
  });

  it("ignores tokens of another request in the same conversation", async () => {
    const { chat, emit } = setup();
    await chat.send(7, "q");
    emit("answer:token", token("old", "req-0"));
    emit("answer:token", token("new"));
    expect(chat.stream.value?.text).toBe("new");
  });

  it("replaces the stream with the saved message on answer:done", async () => {
    const { chat, emit } = setup();
    await chat.send(7, "q");
    emit("answer:token", token("partial"));
    const done: AnswerDone = { requestId: "req-1", conversationId: 7, message: saved("The full answer [1]"), error: "" };
    emit("answer:done", done);
    expect(chat.stream.value).toBeUndefined();
    const last = chat.messages.value[chat.messages.value.length - 1];
    expect(last).toMatchObject({ id: 99, role: "assistant", text: "The full answer [1]", complete: true });
  });

  it("stop asks the backend to stop and keeps the partial answer it saves", async () => {
    const { chat, emit, raw } = setup();
    await chat.send(7, "q");
    emit("answer:token", token("half an "));
    await chat.stop(7);
    expect(raw.StopAnswer).toHaveBeenCalledWith("req-1");
    emit("answer:done", { requestId: "req-1", conversationId: 7, message: saved("half an ", false), error: "" });
    const last = chat.messages.value[chat.messages.value.length - 1];
    expect(last).toMatchObject({ text: "half an ", complete: false });
    expect(chat.stream.value).toBeUndefined();
  });

  it("keeps the partial text locally if no answer:done follows a stop", async () => {
    vi.useFakeTimers();
    const { chat, emit } = setup();
    await chat.send(7, "q");
    emit("answer:token", token("so far"));
    await chat.stop(7);
    vi.advanceTimersByTime(STOP_GRACE_MS + 10);
    const last = chat.messages.value[chat.messages.value.length - 1];
    expect(last).toMatchObject({ role: "assistant", text: "so far", complete: false });
    expect(chat.stream.value).toBeUndefined();
  });

  it("stops a request whose id was not known yet as soon as Ask returns it", async () => {
    let resolve!: (id: string) => void;
    const { chat, raw } = setup({ ask: () => new Promise((r) => (resolve = r)) });
    const sending = chat.send(7, "q");
    await chat.stop(7);
    expect(raw.StopAnswer).not.toHaveBeenCalled();
    resolve("req-9");
    await sending;
    expect(raw.StopAnswer).toHaveBeenCalledWith("req-9");
  });

  it("shows the error when Ask fails", async () => {
    const { chat } = setup({ ask: async () => Promise.reject(new ApiError("model_missing", "No chat model is installed.")) });
    await chat.send(7, "q");
    const last = chat.messages.value[chat.messages.value.length - 1];
    expect(last).toMatchObject({ role: "assistant", error: "No chat model is installed.", errorCode: "model_missing", complete: false });
    expect(chat.stream.value).toBeUndefined();
  });

  it("words a failed Ask from its code and parameters, in the user's language", async () => {
    setLanguage("ja");
    try {
      const { chat } = setup({ ask: async () => Promise.reject(new ApiError("model_missing", "The model is not installed.", { model: "qwen2.5:3b" })) });
      await chat.send(7, "q");
      const last = chat.messages.value[chat.messages.value.length - 1];
      expect(last.error).toBe(ja["error.model_missing"].replace("{model}", "qwen2.5:3b"));
      expect(last.errorParams).toEqual({ model: "qwen2.5:3b" });
    } finally {
      setLanguage("en");
    }
  });

  it("shows the quotes the model reads before the first token, then the words", async () => {
    const { chat, emit } = setup();
    await chat.send(7, "q");
    const quote = { n: 1, path: "/d/a.pdf", name: "a.pdf", page: 2, start: 5, end: 20, text: "the quote", score: 1, cited: false, passageStart: 0, passageEnd: 80 };
    emit("answer:sources", { requestId: "req-1", conversationId: 7, sources: [quote], dropped: 3, mode: "hybrid", warning: "", warningCode: "", model: "m", freshTokens: 400, readingMs: 9000 });
    expect(chat.stream.value?.text).toBe("");
    expect(chat.stream.value?.context?.sources).toEqual([quote]);
    expect(chat.stream.value?.context?.dropped).toBe(3);
    emit("answer:token", token("words"));
    expect(chat.stream.value?.text).toBe("words");
    expect(chat.stream.value?.context?.readingMs).toBe(9000);
  });

  it("asks within the chosen documents, and keeps them for the next question", async () => {
    const { chat, raw } = setup();
    chat.setScope([{ path: "/d/a.pdf", name: "a.pdf", folder: false }]);
    await chat.send(7, "q");
    expect(raw.Ask).toHaveBeenLastCalledWith(7, "q", ["/d/a.pdf"]);
    expect(chat.messages.value[0].sources.map((s) => s.path)).toEqual(["/d/a.pdf"]);
    expect(chat.scope.value.map((s) => s.path)).toEqual(["/d/a.pdf"]);
  });

  it("keeps streamed text with the error when done carries an error and no message", async () => {
    const { chat, emit } = setup();
    await chat.send(7, "q");
    emit("answer:token", token("abc"));
    emit("answer:done", { requestId: "req-1", conversationId: 7, message: null, error: "model crashed" });
    const last = chat.messages.value[chat.messages.value.length - 1];
    expect(last).toMatchObject({ text: "abc", error: "model crashed", complete: false });
  });

  it("does not send while an answer is streaming", async () => {
    const { chat, raw } = setup();
    await chat.send(7, "one");
    await chat.send(7, "two");
    expect(raw.Ask).toHaveBeenCalledTimes(1);
  });
});

describe("a new chat", () => {
  it("creates no conversation until its first question, however often New chat is clicked", async () => {
    const f = fakeApi();
    let next = 40;
    const created: number[] = [];
    (f.raw as Record<string, unknown>).NewConversation = vi.fn(async (collection: string) => {
      const c = { id: ++next, title: "", collection, createdAt: 1, updatedAt: 1 };
      created.push(c.id);
      return c;
    });
    const chat = createChatStore(f.api, createStreamingStore());
    chat.start();
    chat.select(7);
    for (let i = 0; i < 5; i++) chat.newChat();
    expect(chat.currentId.value).toBeNull();
    expect(created).toEqual([]);
    await chat.ask("default", "最初の質問");
    expect(created).toEqual([41]);
    expect(chat.currentId.value).toBe(41);
    expect(f.raw.Ask).toHaveBeenCalledWith(41, "最初の質問", []);
    // A follow-up goes to the same conversation.
    f.emit("answer:done", { requestId: "req-1", conversationId: 41, message: saved("a"), error: "" });
    await chat.ask("default", "次");
    expect(created).toEqual([41]);
  });
});
