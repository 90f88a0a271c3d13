// The HTTP transport for `kura serve`: POST /api/call/<Method> with the
// arguments as a JSON array, answers {result} or {error: {code, message, params}};
// events over Server-Sent Events at /api/events. `kura serve` trades a token
// in the page's address for a cookie and redirects to the address without
// it, so a served page normally has no token and its requests go with the
// cookie; a token still found in the page URL (?token=) goes out as a Bearer
// header, and as ?token= where headers cannot be set (EventSource, file URLs).

import { ApiError, Listeners, apiErrorFrom, type FileSource, type Transport } from "./transport";
import { ERROR_CODES } from "./types";

type EventSourceLike = {
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  onopen: ((ev: Event) => void) | null;
  onerror: ((ev: Event) => void) | null;
  close(): void;
};

export interface HttpOptions {
  /** Prefix of the API paths; "" = same origin. */
  base?: string;
  token?: string;
  fetch?: typeof fetch;
  EventSource?: new (url: string) => EventSourceLike;
}


/** Reads ?token= from a URL's query string ("" when there is none). */
export function tokenFromUrl(href: string): string {
  try {
    return new URL(href).searchParams.get("token") ?? "";
  } catch {
    return "";
  }
}

/**
 * Adds ?token= (or &token=) to a same-origin URL; a "" token, a blob: or
 * data: URL, or one that already carries a token (Source.fileUrl does) is
 * left as is.
 */
export function withToken(url: string, token: string): string {
  if (!token || /^(blob|data):/.test(url) || /[?&]token=/.test(url)) return url;
  const hash = url.indexOf("#");
  const head = hash < 0 ? url : url.slice(0, hash);
  const tail = hash < 0 ? "" : url.slice(hash);
  return `${head}${head.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}${tail}`;
}

export class HttpTransport implements Transport {
  readonly kind = "http" as const;
  readonly dialogs = false;
  private readonly base: string;
  private readonly token: string;
  private readonly fetchFn: typeof fetch;
  private readonly ES?: new (url: string) => EventSourceLike;
  private es: EventSourceLike | null = null;
  private listeners = new Listeners();
  private reconnect = new Set<() => void>();
  private hadError = false;

  constructor(opts: HttpOptions = {}) {
    this.base = (opts.base ?? "").replace(/\/+$/, "");
    this.token = opts.token ?? "";
    this.fetchFn = opts.fetch ?? ((...a) => globalThis.fetch(...a));
    this.ES = opts.EventSource ?? (globalThis.EventSource as unknown as HttpOptions["EventSource"]);
  }

  async call(method: string, args: unknown[]): Promise<unknown> {
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}/api/call/${encodeURIComponent(method)}`, {
        method: "POST",
        headers,
        body: JSON.stringify(args),
      });
    } catch (err) {
      throw new ApiError("network", `Kura is not answering (${errorText(err)})`);
    }
    if (res.status === 401) {
      throw new ApiError("unauthorized", "This page needs the address Kura printed when it started serving, with its ?token=.");
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ApiError(res.status === 404 ? "not_found" : "internal", `${method}: HTTP ${res.status}`);
    }
    const obj = (body ?? {}) as { result?: unknown; error?: { code?: string; message?: string; params?: Record<string, string> } };
    if (obj.error) {
      const e = apiErrorFrom(obj.error);
      const code = (ERROR_CODES as readonly string[]).includes(e.code) ? e.code : "internal";
      throw new ApiError(code, e.message || code, e.params);
    }
    if (!res.ok) throw new ApiError("internal", `${method}: HTTP ${res.status}`);
    return obj.result ?? null;
  }

  subscribe(event: string, handler: (payload: unknown) => void): () => void {
    const existed = this.es !== null;
    const { first, remove } = this.listeners.add(event, handler);
    // A new stream listens to every name it knows; an open one only needs the new name.
    const es = this.ensureStream();
    if (existed && first && es) this.listen(es, event);
    return remove;
  }

  onReconnect(handler: () => void): () => void {
    this.reconnect.add(handler);
    return () => this.reconnect.delete(handler);
  }

  fileSource(fileUrl: string): FileSource {
    return { url: withToken(fileUrl, this.token) };
  }

  /** Closes the event stream (tests, page unload). */
  close(): void {
    this.es?.close();
    this.es = null;
  }

  private ensureStream(): EventSourceLike | null {
    if (this.es || !this.ES) return this.es;
    const es = new this.ES(withToken(`${this.base}/api/events`, this.token));
    es.onerror = () => {
      // EventSource reconnects by itself; remember to resync when it does.
      this.hadError = true;
    };
    es.onopen = () => {
      if (!this.hadError) return;
      this.hadError = false;
      for (const h of [...this.reconnect]) h();
    };
    this.es = es;
    for (const name of this.listeners.names()) this.listen(es, name);
    return es;
  }

  private listen(es: EventSourceLike, name: string): void {
    es.addEventListener(name, (ev: MessageEvent) => {
      let payload: unknown;
      try {
        payload = JSON.parse(String(ev.data));
      } catch {
        console.warn(`event ${name}: data is not JSON`);
        return;
      }
      this.listeners.emit(name, payload);
    });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
