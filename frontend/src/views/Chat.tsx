// Chat: the saved conversations, the open one's messages, the answer that
// is streaming (its quotes first, then its words), and the composer with
// its scope (ask within documents or folders, also by typing @). A first
// run shows the steps to a working setup instead of an empty page.
// Citations open the source panel.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { isApiError, type Document, type Message, type Passage } from "../api";
import { Icon } from "../components/Icon";
import { RichText, claimTitle } from "../components/RichText";
import { formatShortDate } from "../format/dates";
import { formatDuration } from "../format/progress";
import { locale, t } from "../i18n";
import { describeError, errorMessage } from "../i18n/errors";
import { useStores } from "../stores";
import { scopeOf, type ScopeItem } from "../stores/chat";
import type { Stream } from "../stores/streaming";
import { meaningfulTitle, suggestedQuestions, suggestionCandidates } from "../format/documents";
import { pageLabel } from "../format/pages";
import { conversationMarkdown, exportFileName } from "../text/export";
import { groupSamePage } from "../text/group";
import { GetStarted, needsSetup } from "./GetStarted";

/** Copies text, falling back to execCommand where the Clipboard API is missing. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    document.execCommand("copy");
    ta.remove();
  }
}

/** The answer as copied: its text, then its sources. */
export function answerForClipboard(m: Pick<Message, "text" | "sources">): string {
  if (m.sources.length === 0) return m.text;
  const lines = m.sources.map((s) => `[${s.n}] ${s.name}${s.page > 0 ? `, ${pageLabel(s)}` : ""}`);
  return `${m.text}\n\n${t("chat.sources")}:\n${lines.join("\n")}`;
}

/** The words of a message's error, in the user's language. */
function messageError(m: Message): string {
  return describeError(m.errorCode, m.errorParams, m.error);
}

/** Saves the conversation as Markdown: the native dialog on the desktop, a download in the browser. */
export function useExport() {
  const { chat, api, ui } = useStores();
  return async () => {
    const conv = chat.current.value;
    if (!conv) return;
    const md = conversationMarkdown(
      { title: conv.title || t("chat.untitled"), collection: conv.collection },
      chat.messages.value,
      {
        question: t("chat.exportQuestion"),
        answer: t("chat.exportAnswer"),
        sources: t("chat.sources"),
        within: t("chat.askedWithin"),
        page: (s) => pageLabel(s),
        incomplete: t("chat.exportIncomplete"),
        exported: t("chat.exportExported"),
        checked: (supported, judged) => t("check.summary", { supported, judged, count: judged }),
        unsupported: (s) => claimTitle(s),
      },
      new Date().toLocaleString(locale.value),
    );
    const name = exportFileName(conv.title || t("chat.untitled"));
    try {
      const path = await api.SaveFile(name, md);
      if (path) ui.toast("success", t("chat.exported", { path }));
    } catch (e) {
      if (!isApiError(e, "no_dialogs")) {
        ui.toast("error", errorMessage(e));
        return;
      }
      // The browser: a download.
      const url = URL.createObjectURL(new Blob([md], { type: "text/markdown;charset=utf-8" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.dataset.testid = "export-link";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      ui.toast("success", t("chat.exportDownloaded", { name }));
    }
  };
}

export function ChatView() {
  const { chat, ui, library } = useStores();
  const routeId = ui.route.value.conversationId;
  const [listOpen, setListOpen] = useState(false);
  const exportConversation = useExport();

  // Load the chat model while the first question is typed.
  useEffect(() => chat.preload(), []);

  // The URL picks the conversation; when the store opens another one (new,
  // picked from the list, deleted), the URL follows.
  useEffect(() => {
    if (routeId !== chat.currentId.value) chat.select(routeId);
  }, [routeId]);
  useEffect(
    () =>
      chat.currentId.subscribe((id) => {
        const r = ui.route.peek();
        if (r.view === "chat" && r.conversationId !== id) ui.navigate({ view: "chat", conversationId: id });
      }),
    [],
  );
  useEffect(() => {
    const onExport = () => void exportConversation();
    window.addEventListener("kura:export", onExport);
    return () => window.removeEventListener("kura:export", onExport);
  }, []);

  const conv = chat.current.value;
  const collection = conv?.collection || library.current.value;
  const canExport = chat.messages.value.length > 0;

  return (
    <div class={`chat-view ${listOpen ? "list-open" : ""}`}>
      <ConversationList onPicked={() => setListOpen(false)} />
      <section class="conversation" onClick={listOpen ? () => setListOpen(false) : undefined}>
        <header class="conv-head">
          <button
            class="icon-btn list-toggle"
            onClick={(e) => {
              e.stopPropagation();
              setListOpen(!listOpen);
            }}
            aria-label={t("chat.showConversations")}
            title={t("chat.showConversations")}
          >
            <Icon name="menu" />
          </button>
          <h1 class="conv-title" data-testid="conversation-title">
            {conv?.title || t("chat.untitled")}
          </h1>
          <span class="pill subtle" title={t("chat.collection", { name: collection })}>
            <Icon name="library" size={14} /> {collection}
          </span>
          {canExport && (
            <button class="btn small ghost" onClick={() => void exportConversation()} title={t("chat.exportTitle")} data-testid="chat-export">
              <Icon name="export" size={14} /> {t("chat.export")}
            </button>
          )}
        </header>
        <StatusBanner />
        <Messages />
        <Composer collection={collection} />
      </section>
    </div>
  );
}

function ConversationList({ onPicked }: { onPicked: () => void }) {
  const { chat, ui } = useStores();
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState("");
  const loc = locale.value;
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));

  const create = () => {
    chat.newChat();
    onPicked();
    document.querySelector<HTMLTextAreaElement>("[data-testid=chat-input]")?.focus();
  };

  const commit = async (id: number) => {
    const title = draft.trim();
    setEditing(null);
    if (title) await chat.rename(id, title).catch(fail);
  };

  const del = async (id: number, title: string) => {
    const ok = await ui.confirm({ title: t("chat.deleteTitle"), body: t("chat.deleteBody", { title: title || t("chat.untitled") }), confirm: t("common.delete") });
    if (ok) await chat.remove(id).catch(fail);
  };

  return (
    <aside class="conv-list" aria-label={t("chat.conversations")}>
      <div class="pane-head">
        <h2>{t("chat.conversations")}</h2>
        <button class="btn small primary" onClick={create} data-testid="conv-new" title={`${t("keys.newChat")} (Ctrl+Shift+O)`}>
          <Icon name="plus" size={15} /> {t("chat.new")}
        </button>
      </div>
      <ul class="conv-items">
        {chat.conversations.value.length === 0 && <li class="empty-line muted">{t("chat.none")}</li>}
        {chat.conversations.value.map((c) => (
          <li key={c.id} class={`conv-item ${c.id === chat.currentId.value ? "active" : ""}`} data-testid="conv-item" data-id={c.id}>
            {editing === c.id ? (
              <input
                class="input small"
                value={draft}
                autoFocus
                data-testid="conv-rename-input"
                onInput={(e) => setDraft(e.currentTarget.value)}
                onBlur={() => commit(c.id)}
                onKeyDown={(e) => {
                  if (e.isComposing || e.keyCode === 229) return;
                  if (e.key === "Enter") commit(c.id);
                  if (e.key === "Escape") {
                    e.stopPropagation();
                    setEditing(null);
                  }
                }}
              />
            ) : (
              <>
                <button
                  class="conv-open"
                  onClick={() => {
                    chat.select(c.id);
                    onPicked();
                  }}
                  title={c.title}
                >
                  <span class="conv-name">{c.title || t("chat.untitled")}</span>
                  <span class="conv-meta muted">
                    {formatShortDate(c.updatedAt, loc)} · {c.collection}
                  </span>
                </button>
                <div class="row-actions">
                  <button
                    class="icon-btn small"
                    title={t("common.rename")}
                    aria-label={t("common.rename")}
                    data-testid="conv-rename"
                    onClick={() => {
                      setDraft(c.title);
                      setEditing(c.id);
                    }}
                  >
                    <Icon name="pencil" size={14} />
                  </button>
                  <button class="icon-btn small" title={t("common.delete")} aria-label={t("common.delete")} data-testid="conv-delete" onClick={() => del(c.id, c.title)}>
                    <Icon name="trash" size={14} />
                  </button>
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** What keeps answers or meaning-based search from working, above a conversation that has messages. */
export function StatusBanner() {
  const { settings, ui, chat } = useStores();
  const st = settings.status.value;
  if (!st || chat.messages.value.length === 0) return null; // the first-run steps say it
  if (!st.reachable) {
    return (
      <div class="banner warn" role="status" data-testid="banner-unreachable">
        <Icon name="alert" />
        <div class="banner-text">
          <strong>{t("chat.unreachableTitle")}</strong>
          <span>{t("chat.unreachableBody", { url: st.url })}</span>
        </div>
        <button class="btn small" onClick={() => ui.navigate({ view: "settings" })}>
          {t("chat.openSettings")}
        </button>
      </div>
    );
  }
  if (!st.chatModelInstalled) {
    return (
      <div class="banner warn" role="status" data-testid="banner-no-chat-model">
        <Icon name="alert" />
        <div class="banner-text">
          <strong>{t("chat.noModelTitle")}</strong>
          <span>{t("chat.noModelBody", { model: st.chatModel })}</span>
        </div>
        <button class="btn small primary" onClick={() => ui.navigate({ view: "models" })} data-testid="banner-open-models">
          {t("chat.openModels")}
        </button>
      </div>
    );
  }
  if (!st.embedModelInstalled) {
    return (
      <div class="banner info" role="status" data-testid="banner-no-embed-model">
        <Icon name="info" />
        <div class="banner-text">
          <span>{t("chat.noEmbed")}</span>
        </div>
        <button class="btn small" onClick={() => ui.navigate({ view: "models" })}>
          {t("chat.openModels")}
        </button>
      </div>
    );
  }
  return null;
}

function Messages() {
  const { chat, source } = useStores();
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const messages = chat.messages.value;
  const streaming = chat.isStreaming.value;
  const conv = chat.current.value;
  const collection = conv?.collection ?? "";

  const onCite = (query: string) => (p: Passage, also: Passage[] = []) => void source.show(collection, p, { query, also });

  // Follow the answer as it grows, unless the user scrolled up to read.
  const follow = () => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  };
  useLayoutEffect(follow, [messages, streaming, chat.currentId.value]);
  useEffect(() => {
    stick.current = true;
  }, [chat.currentId.value]);

  if (messages.length === 0 && !streaming) {
    return (
      <div class="messages" ref={ref}>
        {chat.loadingMessages.value ? <div class="center-note muted">{t("common.loading")}</div> : <EmptyChat />}
      </div>
    );
  }

  return (
    <div
      class="messages"
      ref={ref}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      }}
      data-testid="messages"
    >
      <div class="messages-inner">
        {messages.map((m, i) => {
          if (m.role === "user") return <UserMessage key={m.id} m={m} />;
          const q = messages[i - 1]?.role === "user" ? messages[i - 1].text : "";
          return <AssistantMessage key={m.id} m={m} onCite={onCite(q)} />;
        })}
        {streaming && <StreamingMessage onGrow={follow} onCite={onCite(chat.stream.value?.question ?? "")} />}
      </div>
    </div>
  );
}

/** The empty conversation: the first-run steps until Kura can answer, else questions to ask. */
function EmptyChat() {
  const { api, chat, library, settings, ui } = useStores();
  const st = settings.status.value;
  const docs = library.documents.value;
  // Documents without a title are named by their heading: the first page
  // of the newest few, read once.
  const [firstPages, setFirstPages] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    const collection = library.current.value;
    const untitled = suggestionCandidates(docs)
      .slice(0, 6)
      .filter((d) => !meaningfulTitle(d) && !firstPages.has(d.path));
    if (untitled.length === 0) return;
    let stale = false;
    void Promise.allSettled(untitled.map((d) => api.Source(collection, d.path, 1))).then((results) => {
      if (stale) return;
      const next = new Map(firstPages);
      results.forEach((r, i) => next.set(untitled[i].path, r.status === "fulfilled" ? r.value.text : ""));
      setFirstPages(next);
    });
    return () => {
      stale = true;
    };
  }, [docs]);
  if (needsSetup(st, docs.length)) return <GetStarted />;
  const suggestions = suggestedQuestions(docs, firstPages);
  const ask = async (q: string) => {
    try {
      await chat.ask(library.current.value, q);
    } catch (e) {
      ui.toast("error", errorMessage(e));
    }
  };
  return (
    <div class="empty-chat">
      <div class="empty-icon">
        <Icon name="sparkle" size={28} />
      </div>
      <h2>{t("chat.emptyTitle")}</h2>
      <p class="muted">{t("chat.emptyBody")}</p>
      {suggestions.length > 0 && (
        <div class="examples">
          <span class="muted">{t("chat.examples")}</span>
          {suggestions.map((q) => (
            <button key={q} class="chip" onClick={() => void ask(q)} data-testid="example-chip">
              {q}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function ScopeChips({ items, onRemove }: { items: ScopeItem[]; onRemove?: (path: string) => void }) {
  return (
    <>
      {items.map((s) => (
        <span key={s.path} class="scope-chip" title={s.path} data-testid="scope-chip" data-path={s.path}>
          <Icon name={s.folder ? "folder" : "file"} size={13} />
          <span class="scope-name">{s.name}</span>
          {onRemove && (
            <button class="icon-btn tiny" onClick={() => onRemove(s.path)} aria-label={t("chat.scopeRemove", { name: s.name })} title={t("chat.scopeRemove", { name: s.name })}>
              <Icon name="x" size={12} />
            </button>
          )}
        </span>
      ))}
    </>
  );
}

function UserMessage({ m }: { m: Message }) {
  const scope = scopeOf(m);
  return (
    <div class="msg user" data-testid="message-user">
      <div class="bubble">{m.text}</div>
      {scope.length > 0 && (
        <div class="msg-scope muted" data-testid="message-scope">
          <span>{t("chat.askedWithin")}</span> <ScopeChips items={scope} />
        </div>
      )}
    </div>
  );
}

/** Source chips, the same passage in several files shown once. */
function SourceChips({ sources, onCite }: { sources: Passage[]; onCite: (p: Passage, also?: Passage[]) => void }) {
  return (
    <>
      {groupSamePage(sources).map(({ passage: s, also }) => {
        // Other files holding it; the same file quoted twice is not "also in".
        const elsewhere = [...new Set(also.filter((a) => a.path !== s.path).map((a) => a.name))];
        return (
          <button
            key={`${s.n}`}
            class="source-chip"
            onClick={() => onCite(s, also.filter((a) => a.path !== s.path))}
            title={[...new Set([s.path, ...also.map((a) => a.path)])].join("\n")}
            data-testid="source-chip"
            data-n={s.n}
          >
            <span class="cite static">{[s.n, ...also.map((a) => a.n)].join(",")}</span>
            <span class="source-chip-name">{s.name}</span>
            {s.page > 0 && <span class="muted">{pageLabel(s)}</span>}
            {elsewhere.length > 0 && <span class="muted also">{t("search.alsoIn", { names: elsewhere.join(", ") })}</span>}
          </button>
        );
      })}
    </>
  );
}

function AssistantMessage({ m, onCite }: { m: Message; onCite: (p: Passage, also?: Passage[]) => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await copyText(answerForClipboard(m));
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  const cited = m.sources.filter((s) => s.cited !== false);
  const shown = cited.length > 0 ? cited : m.sources;
  return (
    <div class="msg assistant" data-testid="message-assistant" data-streaming="false" data-complete={String(m.complete)}>
      <div class="avatar" aria-hidden="true">
        <Icon name="sparkle" size={16} />
      </div>
      <div class="msg-body">
        {m.text && <RichText text={m.text} sources={m.sources} check={m.check} onCite={(p) => onCite(p)} />}
        {m.check && m.check.judged > 0 && (
          <div class={`check-summary${m.check.supported < m.check.judged ? " some-unsupported" : ""}`} data-testid="check-summary">
            <Icon name={m.check.supported < m.check.judged ? "alert" : "check"} size={14} />
            {t("check.summary", { supported: m.check.supported, judged: m.check.judged, count: m.check.judged })}
          </div>
        )}
        {answerEnd(m) === "failed" && (
          <div class="note error" data-testid="message-error" data-code={m.errorCode}>
            <Icon name="alert" size={16} />
            <span>{t("chat.failed", { error: messageError(m) })}</span>
          </div>
        )}
        {answerEnd(m) === "fromDocuments" && (
          <div class="note warn small" data-testid="message-from-documents" data-code={m.errorCode}>
            <Icon name="info" size={16} />
            <span>{t("chat.fromDocuments", { error: messageError(m) })}</span>
          </div>
        )}
        {answerEnd(m) === "stopped" && (
          <span class="pill subtle stopped" data-testid="message-stopped">
            {t("chat.stopped")}
          </span>
        )}
        {shown.length > 0 && (
          <div class="sources" data-testid="message-sources">
            <span class="sources-label">{t("chat.sources")}</span>
            <SourceChips sources={shown} onCite={onCite} />
          </div>
        )}
        {m.text && (
          <div class="msg-actions">
            <button class="btn ghost small" onClick={copy} data-testid="copy-answer">
              <Icon name={copied ? "check" : "copy"} size={14} /> {copied ? t("chat.copied") : t("chat.copy")}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}

/** The answer from the documents, shown at once while the model reads: each sentence quoted, with the quote (or passage) it comes from. */
function FromDocuments({ extract, sources, onCite }: { extract: Passage[]; sources: Passage[]; onCite: (p: Passage, also?: Passage[]) => void }) {
  const byN = new Map(sources.map((p) => [p.n, p]));
  return (
    <div class="from-documents" data-testid="answer-extract">
      <div class="sources-label">{t("chat.extractTitle")}</div>
      {extract.map((x, i) => {
        const target = byN.get(x.n) ?? x;
        return (
          <blockquote key={i} class="extract-sentence">
            “{x.text.trim()}”{" "}
            <button type="button" class="cite" data-testid="extract-citation" onClick={() => onCite(target)} title={`${x.name}${x.page ? ` · ${pageLabel(x)}` : ""}`}>
              {x.n > 0 ? x.n : "↗"}
            </button>
            <span class="muted small-text"> {x.name}{x.page ? `, ${pageLabel(x)}` : ""}</span>
          </blockquote>
        );
      })}
    </div>
  );
}

/** Seconds left of the model's reading, ticking once a second until the first token. */
function useReadingLeft(s: Stream | undefined): number | null {
  const [now, setNow] = useState(Date.now());
  const reading = !!s?.context && !s.text;
  useEffect(() => {
    if (!reading) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [reading]);
  if (!s?.context || !(s.context.readingMs > 0)) return null;
  return s.context.readingMs - (now - s.contextAt);
}

/** The answer being written: the quotes the model reads at once, then the words; only this re-renders per token. */
function StreamingMessage({ onGrow, onCite }: { onGrow: () => void; onCite: (p: Passage, also?: Passage[]) => void }) {
  const { chat } = useStores();
  const s: Stream | undefined = chat.stream.value;
  const left = useReadingLeft(s);
  useLayoutEffect(onGrow, [s?.text, s?.context]);
  if (!s) return null;
  const ctx = s.context;
  const count = ctx?.sources.length ?? 0;
  let reading = t("chat.waiting");
  if (ctx && count === 0) reading = t("chat.noPassages");
  else if (ctx && left === null) reading = t("chat.readingUnmeasured", { count });
  else if (ctx && left !== null && left > 0) reading = t("chat.reading", { count, time: formatDuration(Math.max(1000, left), locale.value) });
  else if (ctx) reading = t("chat.readingLonger", { count });
  return (
    <div class="msg assistant streaming" data-testid="message-assistant" data-streaming="true" aria-busy="true">
      <div class="avatar" aria-hidden="true">
        <Icon name="sparkle" size={16} />
      </div>
      <div class="msg-body">
        {!s.text && ctx && (ctx.extract?.length ?? 0) > 0 && <FromDocuments extract={ctx.extract ?? []} sources={ctx.sources} onCite={onCite} />}
        {s.text ? (
          <RichText text={s.text} sources={ctx?.sources ?? []} pending={!ctx} onCite={(p) => onCite(p)} />
        ) : (
          <div class="typing muted" data-testid="answer-reading">
            <span class="dots">
              <i />
              <i />
              <i />
            </span>
            {reading}
          </div>
        )}
        {ctx && ctx.warningCode && (
          <div class="note warn small" data-testid="answer-warning">
            <Icon name="info" size={14} />
            <span>{t(`search.warn.${ctx.warningCode}`)}</span>
          </div>
        )}
        {ctx && count > 0 && (
          <div class="sources pending" data-testid="answer-sources">
            <span class="sources-label">{t("chat.quotes")}</span>
            <SourceChips sources={ctx.sources} onCite={onCite} />
          </div>
        )}
        {ctx && ctx.dropped > 0 && (
          <div class="muted small-text" data-testid="answer-dropped">
            {t("chat.dropped", { count: ctx.dropped })}
          </div>
        )}
      </div>
    </div>
  );
}

/** The documents of a collection, for the scope picker (the library's list when it is the open collection). */
function useDocuments(collection: string): Document[] {
  const { library, api } = useStores();
  const [docs, setDocs] = useState<Document[]>([]);
  const same = collection === library.current.value;
  useEffect(() => {
    if (same || !collection) return;
    let live = true;
    api
      .Documents(collection)
      .then((d) => live && setDocs(d))
      .catch(() => live && setDocs([]));
    return () => {
      live = false;
    };
  }, [collection, same]);
  return same ? library.documents.value : docs;
}

/** Documents and their folders matching a query, for the scope picker. */
export function scopeCandidates(docs: Document[], query: string, limit = 8): ScopeItem[] {
  const q = query.trim().toLowerCase();
  const folders = new Map<string, ScopeItem>();
  const files: ScopeItem[] = [];
  for (const d of docs) {
    if (d.status === "failed" || d.status === "no_text") continue;
    const hay = `${d.name} ${d.title} ${d.path}`.toLowerCase();
    if (!q || hay.includes(q)) files.push({ path: d.path, name: d.name, folder: false });
    const dir = d.path.replace(/[\\/][^\\/]*$/, "");
    const dirName = dir.split(/[\\/]/).pop() ?? dir;
    if (dir && !folders.has(dir)) folders.set(dir, { path: dir, name: `${dirName}/`, folder: true });
  }
  const byName = (a: ScopeItem, b: ScopeItem) => a.name.localeCompare(b.name);
  // A folder holding every document would restrict nothing.
  const dirs = folders.size > 1 ? [...folders.values()].filter((f) => !q || f.name.toLowerCase().includes(q)).sort(byName) : [];
  return [...files.sort(byName), ...dirs].slice(0, limit);
}

/**
 * How a saved answer ended: complete, stopped by the user (Stop or Escape;
 * shown as a plain mark, not as an error: nothing went wrong), or failed.
 */
export function answerEnd(m: Pick<Message, "complete" | "error" | "errorCode" | "fromDocuments">): "complete" | "stopped" | "failed" | "fromDocuments" {
  if (m.errorCode === "canceled") return "stopped";
  if (m.fromDocuments && m.complete) return "fromDocuments";
  if (m.error) return "failed";
  return m.complete ? "complete" : "stopped";
}

/** The @-mention being typed: its query and where it starts, or null. */
export function mentionAt(text: string, caret: number): { query: string; start: number } | null {
  const before = text.slice(0, caret);
  const m = /(?:^|\s)@([^\s@]*)$/.exec(before);
  if (!m) return null;
  return { query: m[1], start: caret - m[1].length - 1 };
}

function Composer({ collection }: { collection: string }) {
  const { chat, ui, library } = useStores();
  const [text, setText] = useState("");
  const [mention, setMention] = useState<{ query: string; start: number } | null>(null);
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLTextAreaElement>(null);
  const streaming = chat.isStreaming.value;
  const scope = chat.scope.value;
  const docs = useDocuments(collection);
  const candidates = useMemo(() => (mention ? scopeCandidates(docs, mention.query).filter((c) => !scope.some((s) => s.path === c.path)) : []), [mention, docs, scope]);

  useLayoutEffect(() => {
    const ta = ref.current;
    if (!ta) return;
    ta.style.height = "auto";
    ta.style.height = `${Math.min(ta.scrollHeight, 220)}px`;
  }, [text]);

  const send = async () => {
    const q = text.trim();
    if (!q || streaming) return;
    try {
      setText("");
      setMention(null);
      await chat.ask(library.current.value, q);
    } catch (e) {
      if (chat.currentId.value === null) setText(q);
      ui.toast("error", errorMessage(e));
    }
  };

  const stop = () => {
    const id = chat.currentId.value;
    if (id !== null) void chat.stop(id);
  };

  const pick = (item: ScopeItem) => {
    if (!mention) return;
    const end = mention.start + 1 + mention.query.length;
    const next = (text.slice(0, mention.start) + text.slice(end)).replace(/ {2,}/g, " ");
    setText(next);
    setMention(null);
    chat.setScope([...scope, item]);
    requestAnimationFrame(() => {
      const ta = ref.current;
      if (!ta) return;
      ta.focus();
      ta.selectionStart = ta.selectionEnd = Math.min(mention.start, next.length);
    });
  };

  const onInput = (e: Event) => {
    const ta = e.currentTarget as HTMLTextAreaElement;
    setText(ta.value);
    setMention(mentionAt(ta.value, ta.selectionStart ?? ta.value.length));
    setActive(0);
  };

  return (
    <div class="composer-wrap">
      {scope.length > 0 && (
        <div class="scope-bar" data-testid="scope-bar">
          <span class="muted">{t("chat.scope")}</span>
          <ScopeChips items={scope} onRemove={(p) => chat.setScope(scope.filter((s) => s.path !== p))} />
          <button class="link-btn plain" onClick={() => chat.setScope([])} data-testid="scope-clear">
            {t("chat.scopeClear")}
          </button>
        </div>
      )}
      {mention && (
        <div class="mention-menu" role="listbox" aria-label={t("chat.mentionTitle")} data-testid="mention-menu">
          <div class="mention-head muted">{t("chat.mentionTitle")}</div>
          {candidates.length === 0 && <div class="mention-empty muted">{t("chat.mentionNone", { query: mention.query })}</div>}
          {candidates.map((c, i) => (
            <button
              key={c.path}
              class={`mention-item ${i === active ? "active" : ""}`}
              role="option"
              aria-selected={i === active}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus in the question
                pick(c);
              }}
              data-testid="mention-item"
              data-path={c.path}
            >
              <Icon name={c.folder ? "folder" : "file"} size={14} />
              <span class="mention-name">{c.name}</span>
              <span class="mention-path muted">{c.folder ? t("chat.folder") : c.path}</span>
            </button>
          ))}
        </div>
      )}
      <div class={`composer ${streaming ? "busy" : ""}`}>
        <button
          class="icon-btn scope-add"
          onClick={() => {
            const ta = ref.current;
            if (!ta) return;
            const at = ta.selectionStart ?? text.length;
            const pre = text.slice(0, at);
            const ins = pre === "" || /\s$/.test(pre) ? "@" : " @";
            const next = pre + ins + text.slice(at);
            setText(next);
            setMention({ query: "", start: at + ins.length - 1 });
            requestAnimationFrame(() => {
              ta.focus();
              ta.selectionStart = ta.selectionEnd = at + ins.length;
            });
          }}
          title={`${t("chat.scopeAdd")} (@)`}
          aria-label={t("chat.scopeAdd")}
          data-testid="scope-add"
        >
          <Icon name="at" size={17} />
        </button>
        <textarea
          ref={ref}
          rows={1}
          value={text}
          placeholder={t("chat.placeholder", { collection })}
          aria-label={t("chat.placeholder", { collection })}
          data-testid="chat-input"
          onInput={onInput}
          onClick={(e) => setMention(mentionAt(e.currentTarget.value, e.currentTarget.selectionStart ?? 0))}
          onBlur={() => setTimeout(() => setMention(null), 150)}
          onKeyDown={(e) => {
            // Enter while an IME is composing (Japanese, Korean) confirms the
            // conversion; it must not send.
            if (e.isComposing || e.keyCode === 229) return;
            if (mention) {
              if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                e.preventDefault();
                const n = Math.max(candidates.length, 1);
                setActive((a) => (a + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
                return;
              }
              if ((e.key === "Enter" || e.key === "Tab") && candidates[active]) {
                e.preventDefault();
                pick(candidates[active]);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                e.stopPropagation();
                setMention(null);
                return;
              }
            }
            if (e.key === "Enter" && !e.shiftKey && !e.altKey) {
              e.preventDefault();
              void send();
            }
          }}
        />
        {streaming ? (
          <button class="btn stop-btn" onClick={stop} data-testid="chat-stop" title={`${t("chat.stop")} (Esc)`}>
            <Icon name="stop" size={14} /> {t("chat.stop")}
          </button>
        ) : (
          <button class="btn primary send-btn" onClick={() => void send()} disabled={!text.trim()} data-testid="chat-send" title={t("chat.send")}>
            <Icon name="send" size={16} /> <span class="send-label">{t("chat.send")}</span>
          </button>
        )}
      </div>
      <div class="composer-hint muted">{t("chat.keys")}</div>
    </div>
  );
}

