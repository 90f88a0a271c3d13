// The window: navigation, the search box, the current view, the source
// panel, dialogs and toasts; the keyboard shortcuts (components/Shortcuts
// lists them) and dropping files onto the window.

import { useEffect, useState } from "preact/hooks";
import { isApiError } from "../api";
import { errorMessage } from "../i18n/errors";
import { ConfirmDialog, Toasts } from "../components/Dialogs";
import { Icon, type IconName } from "../components/Icon";
import { ShortcutsDialog } from "../components/Shortcuts";
import { t } from "../i18n";
import { useStores } from "../stores";
import { NAV_ORDER, type View } from "../stores/ui";
import { ChatView } from "./Chat";
import { LibraryView } from "./Library";
import { ModelsView } from "./Models";
import { SearchBox } from "./SearchBox";
import { SettingsView } from "./Settings";
import { SourcePanel } from "./SourcePanel";

const NAV: { view: View; icon: IconName }[] = [
  { view: "chat", icon: "chat" },
  { view: "library", icon: "library" },
  { view: "models", icon: "models" },
  { view: "settings", icon: "settings" },
];

export function App() {
  const stores = useStores();
  const { api, ui, library, chat, settings, jobs, source, embedding } = stores;
  const [boot, setBoot] = useState<{ state: "loading" | "ready" | "failed"; error: string }>({ state: "loading", error: "" });
  const view = ui.route.value.view;

  const load = async () => {
    setBoot({ state: "loading", error: "" });
    const results = await Promise.allSettled([
      settings.load(),
      settings.loadStatus(),
      library.loadCollections().then(() => library.loadDocuments()),
      library.loadWatched(),
      jobs.load(),
      chat.loadConversations(),
      embedding.load(),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length === results.length) {
      const err = failed[0].reason;
      setBoot({ state: "failed", error: isApiError(err, "unauthorized") ? t("error.unauthorized") : errorMessage(err) });
      return;
    }
    setBoot({ state: "ready", error: "" });
    if (failed.length > 0) ui.toast("error", errorMessage(failed[0].reason));
  };

  useEffect(() => {
    void load();
    // The desktop smoke test waits for this call: the UI is mounted.
    api.Ready().catch(() => {});
    // No timer asks the runtime anything while all is well (see watchStatus).
    return settings.watchStatus();
  }, []);

  // The source panel belongs to what opened it: leaving the view closes it.
  useEffect(() => source.close(), [view]);

  // The keyboard shortcuts (listed in components/Shortcuts).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || ui.confirmRequest.value) return;
      const mod = e.ctrlKey || e.metaKey;
      const typing = e.target instanceof HTMLElement && (e.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName));
      const key = e.key.toLowerCase();
      if (e.key === "Escape") {
        const id = chat.currentId.value;
        if (id !== null && chat.isStreaming.value) {
          e.preventDefault();
          void chat.stop(id);
        } else if (source.open.value) {
          e.preventDefault();
          source.close();
        }
      } else if (mod && e.shiftKey && key === "o") {
        e.preventDefault();
        ui.navigate({ view: "chat" });
        chat.newChat();
        requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>("[data-testid=chat-input]")?.focus());
      } else if (e.altKey && !mod && /^Digit[1-4]$/.test(e.code)) {
        e.preventDefault();
        const v = NAV_ORDER[Number(e.code.slice(5)) - 1];
        ui.navigate({ view: v, conversationId: v === "chat" ? chat.currentId.value : null });
      } else if (mod && e.shiftKey && key === "e") {
        e.preventDefault();
        window.dispatchEvent(new CustomEvent("kura:export"));
      } else if (!typing && !mod && !e.altKey && e.key === "?") {
        e.preventDefault();
        ui.shortcutsOpen.value = true;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // Desktop: Wails reports the paths of files dropped on the window.
  useEffect(
    () =>
      api.on("files:dropped", (paths) => {
        if (paths.length === 0) return;
        ui.navigate({ view: "library" });
        library
          .ingest(paths)
          .then(() => ui.toast("info", t("library.dropped", { count: paths.length, name: library.current.value })))
          .catch((e) => ui.toast("error", errorMessage(e)));
      }),
    [],
  );

  const dragging = useFileDrag(() => {
    // A browser gives no paths for dropped files: ask for the path instead.
    if (api.dialogs) return;
    ui.navigate({ view: "library" });
    library.dropHint.value = true;
  });

  if (boot.state !== "ready") {
    return (
      <div class="boot" data-testid="boot">
        <div class="brand big">
          <Logo /> {t("app.name")}
        </div>
        {boot.state === "loading" ? (
          <p class="muted">
            <span class="spinner" /> {t("app.connecting")}
          </p>
        ) : (
          <>
            <p class="error-text" role="alert" data-testid="boot-error">
              {t("app.connectFailed", { error: boot.error })}
            </p>
            <button class="btn primary" onClick={() => void load()}>
              {t("app.retry")}
            </button>
          </>
        )}
      </div>
    );
  }

  const status = settings.status.value;
  return (
    <div class={`app view-${view} ${source.open.value ? "with-source" : ""}`}>
      <nav class="sidebar" aria-label="Kura">
        <div class="brand">
          <Logo />
          <span class="brand-name">{t("app.name")}</span>
        </div>
        <ul class="nav">
          {NAV.map((n) => (
            <li key={n.view}>
              <button
                class={`nav-item ${view === n.view ? "active" : ""}`}
                aria-current={view === n.view ? "page" : undefined}
                onClick={() => ui.navigate({ view: n.view, conversationId: n.view === "chat" ? chat.currentId.value : null })}
                data-testid={`nav-${n.view}`}
                title={`${t(`nav.${n.view}`)} (Alt+${NAV_ORDER.indexOf(n.view) + 1})`}
              >
                <Icon name={n.icon} size={19} />
                <span class="nav-label">{t(`nav.${n.view}`)}</span>
                {n.view === "library" && <IngestDot />}
              </button>
            </li>
          ))}
        </ul>
        <div class="sidebar-foot">
          <label class="field-label nav-label" for="collection-select">
            {t("nav.collection")}
          </label>
          <select id="collection-select" class="input small" value={library.current.value} onChange={(e) => library.select(e.currentTarget.value)} data-testid="collection-select">
            {library.collections.value.length === 0 && <option value={library.current.value}>{library.current.value}</option>}
            {library.collections.value.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
          {status && (
            <div class="runtime-mini" title={status.reachable ? status.chatModel : status.url}>
              <span class={`dot ${status.reachable && status.chatModelInstalled ? "ok" : status.reachable ? "warn" : "bad"}`} />
              <span class="nav-label mono">{status.chatModel || "—"}</span>
            </div>
          )}
          <button class="nav-item small" onClick={() => (ui.shortcutsOpen.value = true)} data-testid="shortcuts-open" title={`${t("keys.open")} (?)`}>
            <Icon name="keyboard" size={17} />
            <span class="nav-label">{t("keys.open")}</span>
          </button>
        </div>
      </nav>

      <div class="main">
        <header class="topbar">
          <SearchBox />
        </header>
        <main class="content" id="content">
          {view === "chat" && <ChatView />}
          {view === "library" && <LibraryView />}
          {view === "models" && <ModelsView />}
          {view === "settings" && <SettingsView />}
        </main>
      </div>

      <SourcePanel />

      {dragging && (
        <div class="drop-overlay" data-testid="drop-overlay">
          <div class="drop-card">
            <Icon name="drop" size={36} />
            <strong>{t("library.dropTitle", { name: library.current.value })}</strong>
            <span class="muted">{t("library.dropBody")}</span>
          </div>
        </div>
      )}
      <ConfirmDialog />
      <ShortcutsDialog />
      <Toasts />
    </div>
  );
}

/** A dot on Library while an ingest runs; its own component so progress events re-render only it. */
function IngestDot() {
  const { jobs } = useStores();
  const busy = jobs.jobs.value.some((j) => j.state === "running" && (j.kind === "ingest" || j.kind === "reindex"));
  return busy ? <span class="nav-dot" /> : null;
}

/** True while files are dragged over the window; onDrop runs when they are dropped. */
function useFileDrag(onDrop: () => void): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allow dropping; never let the page navigate to the file
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      onDrop();
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, []);
  return dragging;
}

function Logo() {
  return (
    <svg class="logo" width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
      <rect x="1" y="1" width="30" height="30" rx="8" fill="var(--accent)" />
      <path d="M9 9v14M9 16.5L17 9M12.5 13.5L18 23" stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" fill="none" />
      <circle cx="22.5" cy="20.5" r="2.6" fill="#fff" />
    </svg>
  );
}
