// The Wails transport for the desktop window. Calls go to the bound methods
// at window.go.app.App — exactly what the generated wailsjs/go/app/App.js
// forwards to; calling them directly keeps the build independent of whether
// `wails generate module` has run. Events come through window.runtime.

import { ApiError, Listeners, apiErrorFrom, type FileSource, type Transport } from "./transport";

type BoundMethod = (...args: unknown[]) => Promise<unknown>;

export interface WailsWindow {
  go?: { app?: { App?: Record<string, BoundMethod> } };
  runtime?: {
    EventsOn?: (name: string, cb: (...data: unknown[]) => void) => (() => void) | void;
  };
}

/** True in the desktop window, where Wails has bound app.App. */
export function isWails(win: unknown): boolean {
  return !!(win as WailsWindow | undefined)?.go?.app?.App;
}

export class WailsTransport implements Transport {
  readonly kind = "wails" as const;
  readonly dialogs = true;
  private listeners = new Listeners();

  constructor(private readonly win: WailsWindow) {}

  async call(method: string, args: unknown[]): Promise<unknown> {
    const fn = this.win.go?.app?.App?.[method];
    if (typeof fn !== "function") throw new ApiError("not_found", `${method} is not available in this version of Kura`);
    try {
      const out = await fn(...args);
      return out ?? null;
    } catch (err) {
      // Bound methods reject with {code, message, params} (app.FormatError);
      // a string may still come from Wails itself.
      if (typeof err === "string") {
        try {
          throw apiErrorFrom(JSON.parse(err));
        } catch (e) {
          if (e instanceof ApiError) throw e;
        }
      }
      throw apiErrorFrom(err);
    }
  }

  subscribe(event: string, handler: (payload: unknown) => void): () => void {
    const { first, remove } = this.listeners.add(event, handler);
    if (first) {
      // One runtime listener per name; ours fan out, so unsubscribing one
      // handler never needs EventsOff (which drops every listener of a name).
      this.win.runtime?.EventsOn?.(event, (...data: unknown[]) => {
        this.listeners.emit(event, data.length > 1 ? data : data[0]);
      });
    }
    return remove;
  }

  onReconnect(): () => void {
    return () => {}; // bindings do not disconnect
  }

  fileSource(fileUrl: string): FileSource {
    return { url: fileUrl };
  }
}
