import { describe, expect, it, vi } from "vitest";
import type { Api, EmbedStatus, Model } from "../api";
import { createJobsStore } from "./jobs";
import { createModelsStore } from "./models";
import { createSettingsStore } from "./settings";

function fakeApi(speeds: { chat: number; embed: number }) {
  const handlers = new Map<string, ((p: unknown) => void)[]>();
  const model = (name: string, embedding: boolean): Model =>
    ({ name, embedding, speed: embedding ? speeds.embed : speeds.chat, size: 1, family: "", parameterSize: "", quantization: "", contextLength: 0, isChatDefault: !embedding, isEmbedDefault: embedding }) as Model;
  const api = {
    on: (name: string, h: (p: unknown) => void) => {
      handlers.set(name, [...(handlers.get(name) ?? []), h]);
      return () => {};
    },
    onReconnect: () => () => {},
    Runtime: vi.fn(async () => ({ reachable: true })),
    Models: vi.fn(async () => [model("kura-chat-q8_0:latest", false), model("kura-embed-f16:latest", true)]),
    Recommendations: vi.fn(async () => []),
  };
  const emit = (name: string, p: unknown) => (handlers.get(name) ?? []).forEach((h) => h(p));
  return { api: api as unknown as Api, raw: api, emit };
}

const progress = (p: Partial<EmbedStatus>): EmbedStatus => ({
  collection: "default", model: "kura-embed-f16", state: "embedding", done: 8, total: 100, rebuild: false, rate: 2.5, etaMs: 0, elapsedMs: 0,
  error: "", errorCode: "", errorParams: {}, ...p,
});

describe("the speeds in the Models view", () => {
  it("show the embedding rate as passes report it, and the reading speed once an answer ends", async () => {
    const speeds = { chat: 0, embed: 0 };
    const { api, raw, emit } = fakeApi(speeds);
    const jobs = createJobsStore(api);
    const models = createModelsStore(api, jobs, createSettingsStore(api));
    models.start();
    const leave = models.view();
    await models.load();
    const speed = (embedding: boolean) => models.models.value.find((m) => m.embedding === embedding)?.speed;
    expect([speed(false), speed(true)]).toEqual([0, 0]);

    emit("embed:progress", progress({ rate: 2.5 }));
    expect(speed(true)).toBe(2.5);

    speeds.chat = 120; // measured by the answer that just ended
    emit("answer:done", { requestId: "ask-1", conversationId: 1, message: null, error: "" });
    await vi.waitFor(() => expect(speed(false)).toBe(120));

    // With the view closed, an answer asks nothing.
    leave();
    const calls = raw.Models.mock.calls.length;
    emit("answer:done", { requestId: "ask-2", conversationId: 1, message: null, error: "" });
    await Promise.resolve();
    expect(raw.Models.mock.calls.length).toBe(calls);
  });
});
