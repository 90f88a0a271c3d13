// The seam between the typed API (index.ts) and the three ways of reaching
// the backend: Wails bindings (desktop), HTTP + SSE (`kura serve`) and an
// in-memory mock (`?mock=1`, for development and screenshots).

import type { ErrorCode } from "./types";

/**
 * An error from the backend: a code and the parameters its words need (the
 * page words it in the user's language; see i18n/errors.ts), and the
 * backend's English message for anything the page has no words for.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly params: Record<string, string>;
  constructor(code: ErrorCode, message: string, params: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.params = params;
  }
}

/** Reads {code, message, params} (as `kura serve` and the desktop window send it). */
export function apiErrorFrom(x: unknown, fallbackCode: ErrorCode = "internal"): ApiError {
  if (x && typeof x === "object" && "code" in x) {
    const e = x as { code?: unknown; message?: unknown; params?: unknown };
    const params: Record<string, string> = {};
    if (e.params && typeof e.params === "object") {
      for (const [k, v] of Object.entries(e.params as Record<string, unknown>)) params[k] = String(v);
    }
    return new ApiError(String(e.code) as ErrorCode, typeof e.message === "string" ? e.message : "", params);
  }
  const message = x instanceof Error ? x.message : String(x);
  return new ApiError(fallbackCode, message);
}

/** Where pdf.js should read a file from. */
export type FileSource = { url: string } | { data: Uint8Array };

export interface Transport {
  readonly kind: "wails" | "http" | "mock";
  /** Whether ChooseFolder/ChooseFiles open native dialogs here. */
  readonly dialogs: boolean;
  /** Calls a bound method; rejects with ApiError. */
  call(method: string, args: unknown[]): Promise<unknown>;
  /** Subscribes to a backend event; returns the unsubscribe function. */
  subscribe(event: string, handler: (payload: unknown) => void): () => void;
  /**
   * Called after the event stream reconnected (events may have been missed,
   * so stores refetch). Returns the unsubscribe function.
   */
  onReconnect(handler: () => void): () => void;
  /** Where to load a Source.fileUrl from (adds the token in serve mode). */
  fileSource(fileUrl: string): FileSource | Promise<FileSource>;
}

/** A set of handlers per event name, shared by the transports. */
export class Listeners {
  private byName = new Map<string, Set<(payload: unknown) => void>>();

  /** Adds a handler; `first` is true when it is the first for that name. */
  add(name: string, handler: (payload: unknown) => void): { first: boolean; remove: () => void } {
    let set = this.byName.get(name);
    const first = !set;
    if (!set) {
      set = new Set();
      this.byName.set(name, set);
    }
    set.add(handler);
    return { first, remove: () => set.delete(handler) };
  }

  emit(name: string, payload: unknown): void {
    for (const h of [...(this.byName.get(name) ?? [])]) {
      try {
        h(payload);
      } catch (err) {
        console.error(`handler for ${name} failed`, err);
      }
    }
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
