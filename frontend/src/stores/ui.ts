// UI state that belongs to no backend domain: the current view (kept in the
// URL hash, so a reload stays put and ?token= is never touched), toasts and
// the confirmation dialog.

import { signal } from "@preact/signals";

export type View = "library" | "chat" | "models" | "settings";
const VIEWS: View[] = ["library", "chat", "models", "settings"];
/** The views in the order of the navigation (and of Alt+1..4). */
export const NAV_ORDER: View[] = ["chat", "library", "models", "settings"];

export interface Route {
  view: View;
  /** The open conversation in the chat view. */
  conversationId: number | null;
}

export function parseHash(hash: string): Route {
  const [view, id] = hash.replace(/^#\/?/, "").split("/");
  const v = (VIEWS as string[]).includes(view) ? (view as View) : "chat";
  const n = Number(id);
  return { view: v, conversationId: v === "chat" && Number.isInteger(n) && n > 0 ? n : null };
}

export function formatHash(r: Route): string {
  return r.view === "chat" && r.conversationId ? `#/chat/${r.conversationId}` : `#/${r.view}`;
}

export interface Toast {
  id: number;
  kind: "info" | "error" | "success";
  text: string;
}

export interface ConfirmRequest {
  title: string;
  body: string;
  confirm: string;
  danger: boolean;
  resolve: (ok: boolean) => void;
}

export function createUiStore(win: Pick<Window, "location" | "addEventListener" | "history"> | null = typeof window !== "undefined" ? window : null) {
  const route = signal<Route>(parseHash(win?.location.hash ?? ""));
  const toasts = signal<Toast[]>([]);
  const confirmRequest = signal<ConfirmRequest | null>(null);
  /** The keyboard shortcuts dialog. */
  const shortcutsOpen = signal(false);
  let nextToast = 1;

  win?.addEventListener("hashchange", () => {
    route.value = parseHash(win.location.hash);
  });

  function navigate(r: Partial<Route> & { view: View }) {
    const next: Route = { conversationId: null, ...r };
    route.value = next;
    const hash = formatHash(next);
    if (win && win.location.hash !== hash) win.history.replaceState(null, "", hash);
  }

  function toast(kind: Toast["kind"], text: string, ms = kind === "error" ? 8000 : 3500) {
    const id = nextToast++;
    toasts.value = [...toasts.value, { id, kind, text }].slice(-4);
    setTimeout(() => dismiss(id), ms);
  }

  function dismiss(id: number) {
    toasts.value = toasts.value.filter((x) => x.id !== id);
  }

  /** Asks the user to confirm; resolves true on confirm. */
  function confirm(req: Omit<ConfirmRequest, "resolve" | "danger"> & { danger?: boolean }): Promise<boolean> {
    confirmRequest.value?.resolve(false);
    return new Promise((resolve) => {
      confirmRequest.value = {
        danger: true,
        ...req,
        resolve: (ok) => {
          confirmRequest.value = null;
          resolve(ok);
        },
      };
    });
  }

  return { route, toasts, confirmRequest, shortcutsOpen, navigate, toast, dismiss, confirm };
}

export type UiStore = ReturnType<typeof createUiStore>;
