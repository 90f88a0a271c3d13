// The seam between the typed API (index.ts) and the three ways of reaching
// the backend: Wails bindings (desktop), HTTP + SSE (`kura serve`) and an
// in-memory mock (`?mock=1`, for development and screenshots).

import type { ErrorCode } from "./types";

/** An error from the backend, with the message already in user words. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
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
