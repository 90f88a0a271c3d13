// Answers being streamed, kept apart from saved messages (practice 13): a
// stream holds, for one conversation, the quotes the model is reading
// (answer:sources, before the first token) and the text received so far;
// when answer:done arrives the chat store swaps it for the saved message.

import { signal } from "@preact/signals";
import type { AnswerDone, AnswerSources, AnswerToken } from "../api";

export interface Stream {
  conversationId: number;
  /** Unknown until Ask resolves; tokens may arrive before that. */
  requestId: string | null;
  question: string;
  text: string;
  stopRequested: boolean;
  /** What the model reads, from answer:sources; null until it arrives. */
  context: AnswerSources | null;
  /** When the quotes arrived (ms since the epoch), for the reading countdown. */
  contextAt: number;
}

export function createStreamingStore() {
  const streams = signal<ReadonlyMap<number, Stream>>(new Map());

  function set(id: number, s: Stream | null) {
    const next = new Map(streams.value);
    if (s) next.set(id, s);
    else next.delete(id);
    streams.value = next;
  }

  const get = (conversationId: number): Stream | undefined => streams.value.get(conversationId);

  return {
    streams,
    get,
    /** A question was sent; tokens for this conversation go to the new stream. */
    begin(conversationId: number, question: string) {
      set(conversationId, { conversationId, requestId: null, question, text: "", stopRequested: false, context: null, contextAt: 0 });
    },
    /** Ask resolved with the request id. */
    attach(conversationId: number, requestId: string) {
      const s = get(conversationId);
      if (s) set(conversationId, { ...s, requestId });
    },
    /** Keeps the quotes the model is about to read (they come before the first token). */
    sources(ev: AnswerSources, now = Date.now()) {
      const s = get(ev.conversationId);
      if (s && s.requestId && ev.requestId && s.requestId !== ev.requestId) return;
      const base = s ?? { conversationId: ev.conversationId, requestId: ev.requestId, question: "", text: "", stopRequested: false, context: null, contextAt: 0 };
      set(ev.conversationId, { ...base, requestId: base.requestId ?? ev.requestId, context: ev, contextAt: now });
    },
    /** Appends a token; tokens of another request of the same conversation are dropped. */
    token(ev: AnswerToken) {
      const s = get(ev.conversationId);
      if (!s) {
        set(ev.conversationId, { conversationId: ev.conversationId, requestId: ev.requestId, question: "", text: ev.text, stopRequested: false, context: null, contextAt: 0 });
        return;
      }
      if (s.requestId && ev.requestId && s.requestId !== ev.requestId) return;
      set(ev.conversationId, { ...s, requestId: s.requestId ?? ev.requestId, text: s.text + ev.text });
    },
    /** Ends the stream for answer:done; returns it, or undefined when it was not ours. */
    finish(ev: Pick<AnswerDone, "conversationId" | "requestId">): Stream | undefined {
      const s = get(ev.conversationId);
      if (!s) return undefined;
      if (s.requestId && ev.requestId && s.requestId !== ev.requestId) return undefined;
      set(ev.conversationId, null);
      return s;
    },
    /** Marks the stream as stopping; returns the request id to stop, if known yet. */
    requestStop(conversationId: number): string | null {
      const s = get(conversationId);
      if (!s) return null;
      set(conversationId, { ...s, stopRequested: true });
      return s.requestId;
    },
    /** Drops a stream without a done event (Ask failed). */
    drop(conversationId: number): Stream | undefined {
      const s = get(conversationId);
      set(conversationId, null);
      return s;
    },
  };
}

export type StreamingStore = ReturnType<typeof createStreamingStore>;
