import { describe, expect, it, vi } from "vitest";
import { createApi } from "./index";
import { HttpTransport, tokenFromUrl, withToken } from "./http";
import { ApiError } from "./transport";

/** The ApiError a call rejects with (fails the test if it resolves). */
function failure(p: Promise<unknown>): Promise<ApiError> {
  return p.then(
    () => {
      throw new Error("the call succeeded");
    },
    (e: ApiError) => e,
  );
}

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

class FakeEventSource {
  static last: FakeEventSource | null = null;
  static count = 0;
  listeners = new Map<string, ((ev: MessageEvent) => void)[]>();
  onopen: ((ev: Event) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeEventSource.last = this;
    FakeEventSource.count++;
  }
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close() {
    this.closed = true;
  }
  fire(type: string, data: string) {
    for (const l of this.listeners.get(type) ?? []) l({ data } as MessageEvent);
  }
}

describe("HttpTransport calls", () => {
  it("posts the arguments as a JSON array with the bearer token and returns result", async () => {
    const fetch = vi.fn(async () => jsonResponse({ result: [{ name: "default" }] }));
    const t = new HttpTransport({ token: "s3cret", fetch: fetch as unknown as typeof globalThis.fetch });
    const out = await t.call("Search", ["default", "誤差範囲", 5]);
    expect(out).toEqual([{ name: "default" }]);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/call/Search");
    expect(init.method).toBe("POST");
    expect(JSON.parse(String(init.body))).toEqual(["default", "誤差範囲", 5]);
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer s3cret");
  });

  it("sends no Authorization header without a token", async () => {
    const fetch = vi.fn(async () => jsonResponse({ result: null }));
    await new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch }).call("Ready", []);
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it("turns {error} into an ApiError with the backend's code and message", async () => {
    const fetch = vi.fn(async () => jsonResponse({ error: { code: "model_missing", message: "No chat model is installed.", params: { model: "qwen2.5:3b" } } }));
    const t = new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch });
    const err = await failure(t.call("Ask", [1, "hi"]));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("model_missing");
    expect(err.message).toBe("No chat model is installed.");
    expect(err.params).toEqual({ model: "qwen2.5:3b" });
  });

  it("reads the desktop window's rejections, {code, message, params}, the same way", async () => {
    const { WailsTransport } = await import("./wails");
    const reject = (x: unknown) => async () => Promise.reject(x);
    const win = { go: { app: { App: { A: reject({ code: "out_of_range", message: "Too big.", params: { field: "topK", min: "1", max: "50" } }), B: reject("plain words") } } } };
    const w = new WailsTransport(win);
    const a = await failure(w.call("A", []));
    expect([a.code, a.message, a.params]).toEqual(["out_of_range", "Too big.", { field: "topK", min: "1", max: "50" }]);
    const b = await failure(w.call("B", []));
    expect([b.code, b.message]).toEqual(["internal", "plain words"]);
  });

  it("maps an unknown error code to internal", async () => {
    const fetch = vi.fn(async () => jsonResponse({ error: { code: "weird", message: "boom" } }));
    const err = await failure(new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch }).call("X", []));
    expect(err.code).toBe("internal");
  });

  it("reports 401 as unauthorized", async () => {
    const fetch = vi.fn(async () => new Response("no", { status: 401 }));
    const err = await failure(new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch }).call("Collections", []));
    expect(err.code).toBe("unauthorized");
  });

  it("reports a failed fetch as a network error", async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    const err = await failure(new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch }).call("Collections", []));
    expect(err.code).toBe("network");
  });

  it("reports a body that is not JSON as an error with the status", async () => {
    const fetch = vi.fn(async () => new Response("<html>", { status: 502 }));
    const err = await failure(new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch }).call("Collections", []));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain("502");
  });
});

describe("HttpTransport events", () => {
  it("opens one EventSource with ?token= and dispatches named events as JSON", () => {
    FakeEventSource.count = 0;
    const t = new HttpTransport({ token: "a b", EventSource: FakeEventSource });
    const progress = vi.fn();
    const done = vi.fn();
    const progress2 = vi.fn();
    t.subscribe("job:progress", progress);
    t.subscribe("job:done", done);
    const off = t.subscribe("job:progress", progress2);
    expect(FakeEventSource.count).toBe(1);
    const es = FakeEventSource.last!;
    expect(es.url).toBe("/api/events?token=a%20b");
    es.fire("job:progress", JSON.stringify({ id: "j1", filesDone: 3 }));
    expect(progress).toHaveBeenCalledWith({ id: "j1", filesDone: 3 });
    expect(progress2).toHaveBeenCalledTimes(1);
    expect(done).not.toHaveBeenCalled();
    off();
    es.fire("job:progress", JSON.stringify({ id: "j1", filesDone: 4 }));
    expect(progress).toHaveBeenCalledTimes(2);
    expect(progress2).toHaveBeenCalledTimes(1);
  });

  it("ignores event data that is not JSON", () => {
    const t = new HttpTransport({ EventSource: FakeEventSource });
    const h = vi.fn();
    t.subscribe("answer:token", h);
    FakeEventSource.last!.fire("answer:token", "{oops");
    expect(h).not.toHaveBeenCalled();
  });

  it("tells subscribers to resync when the stream reopens after an error", () => {
    const t = new HttpTransport({ EventSource: FakeEventSource });
    t.subscribe("job:done", () => {});
    const resync = vi.fn();
    t.onReconnect(resync);
    const es = FakeEventSource.last!;
    es.onopen!(new Event("open")); // first open: nothing missed
    expect(resync).not.toHaveBeenCalled();
    es.onerror!(new Event("error"));
    es.onopen!(new Event("open"));
    expect(resync).toHaveBeenCalledTimes(1);
  });

  it("adds the token to file URLs", () => {
    const t = new HttpTransport({ token: "tok" });
    expect(t.fileSource("/files/abc?page=2")).toEqual({ url: "/files/abc?page=2&token=tok" });
  });
});

describe("token helpers", () => {
  it("reads the token from the page URL", () => {
    expect(tokenFromUrl("http://127.0.0.1:8080/?token=xyz#/chat")).toBe("xyz");
    expect(tokenFromUrl("http://127.0.0.1:8080/")).toBe("");
  });

  it("appends the token before a fragment and leaves blob URLs alone", () => {
    expect(withToken("/files/a.pdf#page=3", "t")).toBe("/files/a.pdf?token=t#page=3");
    expect(withToken("blob:x", "t")).toBe("blob:x");
    expect(withToken("/files/a.pdf", "")).toBe("/files/a.pdf");
    expect(withToken("/files?collection=c&path=%2Fa.pdf&token=t", "t")).toBe("/files?collection=c&path=%2Fa.pdf&token=t");
  });
});

describe("createApi over HTTP", () => {
  it("turns Go's null lists into empty arrays", async () => {
    const results: Record<string, unknown> = {
      Collections: null,
      Messages: [{ id: 1, role: "assistant", text: "x", sources: null, complete: true, error: "", createdAt: 0 }],
      Search: { mode: "lexical", warning: "no vectors", passages: null },
      Jobs: [{ id: "j", kind: "ingest", state: "done", summary: { warnings: null, failures: null } }],
      Runtime: { bundled: true, running: null },
    };
    const fetch = vi.fn(async (url: string) => jsonResponse({ result: results[url.split("/").pop()!] }));
    const api = createApi(new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch }));
    expect(await api.Collections()).toEqual([]);
    expect((await api.Messages(1))[0].sources).toEqual([]);
    expect(await api.Search("default", "q", 5)).toEqual({ mode: "lexical", warning: "no vectors", warningCode: "", passages: [] });
    const [job] = await api.Jobs();
    expect(job.summary).toMatchObject({ warnings: [], failures: [] });
    expect((await api.Runtime()).running).toEqual([]);
  });

  it("passes Go method names and argument order through unchanged", async () => {
    const fetch = vi.fn(async () => jsonResponse({ result: "req-1" }));
    const api = createApi(new HttpTransport({ fetch: fetch as unknown as typeof globalThis.fetch }));
    expect(await api.Ask(42, "質問", ["/d/a.pdf"])).toBe("req-1");
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/call/Ask");
    expect(JSON.parse(String(init.body))).toEqual([42, "質問", ["/d/a.pdf"]]);
  });

  it("normalises files:dropped payloads to a list of paths", () => {
    const t = new HttpTransport({ EventSource: FakeEventSource });
    const api = createApi(t);
    const got: string[][] = [];
    api.on("files:dropped", (p) => got.push(p));
    const es = FakeEventSource.last!;
    es.fire("files:dropped", JSON.stringify(["/a", "/b"]));
    es.fire("files:dropped", JSON.stringify({ paths: ["/c"] }));
    es.fire("files:dropped", JSON.stringify(null));
    expect(got).toEqual([["/a", "/b"], ["/c"], []]);
  });
});
