// Chat: the saved conversations, the open one's messages, the answer that
// is streaming, and the composer. Citations open the source panel.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { errorMessage, type Message, type Passage } from "../api";
import { Icon } from "../components/Icon";
import { RichText } from "../components/RichText";
import { formatShortDate } from "../format/dates";
import { locale, t, type Locale } from "../i18n";
import { useStores } from "../stores";
import type { Stream } from "../stores/streaming";
import { pageLabel } from "../format/pages";

const EXAMPLES: Record<Locale, string[]> = {
  en: ["Summarise the main findings", "What are the key numbers?", "What risks are mentioned?"],
  ja: ["主な結論を要約して", "重要な数値は？", "どんなリスクが挙げられている？"],
  ko: ["주요 결론을 요약해 줘", "중요한 수치는?", "어떤 위험이 언급되었나요?"],
};

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

export function ChatView() {
  const { chat, ui, library } = useStores();
  const routeId = ui.route.value.conversationId;
  const [listOpen, setListOpen] = useState(false);

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

  const conv = chat.current.value;
  const collection = conv?.collection || library.current.value;

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
            }} aria-label={t("chat.showConversations")} title={t("chat.showConversations")}>
            <Icon name="menu" />
          </button>
          <h1 class="conv-title" data-testid="conversation-title">
            {conv?.title || t("chat.untitled")}
          </h1>
          <span class="pill subtle" title={t("chat.collection", { name: collection })}>
            <Icon name="library" size={14} /> {collection}
          </span>
        </header>
        <StatusBanner />
        <Messages />
        <Composer collection={collection} />
      </section>
    </div>
  );
}

function ConversationList({ onPicked }: { onPicked: () => void }) {
  const { chat, ui, library } = useStores();
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState("");
  const loc = locale.value;
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));

  const create = async () => {
    try {
      await chat.newConversation(library.current.value);
      onPicked();
      document.querySelector<HTMLTextAreaElement>("[data-testid=chat-input]")?.focus();
    } catch (e) {
      fail(e);
    }
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
        <button class="btn small primary" onClick={create} data-testid="conv-new">
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

export function StatusBanner() {
  const { settings, ui } = useStores();
  const st = settings.status.value;
  if (!st) return null;
  if (!st.reachable) {
    return (
      <div class="banner warn" role="status" data-testid="banner-unreachable">
        <Icon name="alert" />
        <div class="banner-text">
          <strong>{t("chat.unreachableTitle")}</strong>
          <span>{st.message || t("chat.unreachableBody")}</span>
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
          <span>{t("chat.noModelBody", { model: st.chatModel || "qwen2.5:3b" })}</span>
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

  const onCite = (p: Passage) => void source.show(collection, p);

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
        {messages.map((m) => (m.role === "user" ? <UserMessage key={m.id} m={m} /> : <AssistantMessage key={m.id} m={m} onCite={onCite} />))}
        {streaming && <StreamingMessage onGrow={follow} />}
      </div>
    </div>
  );
}

function EmptyChat() {
  const examples = EXAMPLES[locale.value];
  const fill = (q: string) => {
    const ta = document.querySelector<HTMLTextAreaElement>("[data-testid=chat-input]");
    if (!ta) return;
    ta.value = q;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
    ta.focus();
  };
  return (
    <div class="empty-chat">
      <div class="empty-icon">
        <Icon name="sparkle" size={28} />
      </div>
      <h2>{t("chat.emptyTitle")}</h2>
      <p class="muted">{t("chat.emptyBody")}</p>
      <div class="examples">
        <span class="muted">{t("chat.examples")}</span>
        {examples.map((q) => (
          <button key={q} class="chip" onClick={() => fill(q)}>
            {q}
          </button>
        ))}
      </div>
    </div>
  );
}

function UserMessage({ m }: { m: Message }) {
  return (
    <div class="msg user" data-testid="message-user">
      <div class="bubble">{m.text}</div>
    </div>
  );
}

function AssistantMessage({ m, onCite }: { m: Message; onCite: (p: Passage) => void }) {
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
        {m.text && <RichText text={m.text} sources={m.sources} onCite={onCite} />}
        {m.error && (
          <div class="note error" data-testid="message-error">
            <Icon name="alert" size={16} />
            <span>{t("chat.failed", { error: m.error })}</span>
          </div>
        )}
        {!m.complete && !m.error && <span class="pill subtle stopped">{t("chat.stopped")}</span>}
        {shown.length > 0 && (
          <div class="sources" data-testid="message-sources">
            <span class="sources-label">{t("chat.sources")}</span>
            {shown.map((s) => (
              <button key={`${s.n}`} class="source-chip" onClick={() => onCite(s)} title={s.path} data-testid="source-chip">
                <span class="cite static">{s.n}</span>
                <span class="source-chip-name">{s.name}</span>
                {s.page > 0 && <span class="muted">{pageLabel(s)}</span>}
              </button>
            ))}
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

/** The answer being written; only this re-renders per token. */
function StreamingMessage({ onGrow }: { onGrow: () => void }) {
  const { chat } = useStores();
  const s: Stream | undefined = chat.stream.value;
  useLayoutEffect(onGrow, [s?.text]);
  if (!s) return null;
  return (
    <div class="msg assistant streaming" data-testid="message-assistant" data-streaming="true" aria-busy="true">
      <div class="avatar" aria-hidden="true">
        <Icon name="sparkle" size={16} />
      </div>
      <div class="msg-body">
        {s.text ? (
          <RichText text={s.text} sources={[]} pending />
        ) : (
          <div class="typing muted">
            <span class="dots">
              <i />
              <i />
              <i />
            </span>
            {t("chat.waiting")}
          </div>
        )}
      </div>
    </div>
  );
}

function Composer({ collection }: { collection: string }) {
  const { chat, ui, library } = useStores();
  const [text, setText] = useState("");
  const ref = useRef<HTMLTextAreaElement>(null);
  const streaming = chat.isStreaming.value;

  useLayoutEffect(() => {
    const ta = ref.current;
    if (!ta) return;
    ta.style.height = "auto";
    ta.style.height = `${Math.min(ta.scrollHeight, 220)}px`;
  }, [text]);

  const send = async () => {
    const q = text.trim();
    if (!q || streaming) return;
    let id = chat.currentId.value;
    try {
      if (id === null) id = (await chat.newConversation(library.current.value)).id;
      setText("");
      await chat.send(id, q);
    } catch (e) {
      ui.toast("error", errorMessage(e));
    }
  };

  const stop = () => {
    const id = chat.currentId.value;
    if (id !== null) void chat.stop(id);
  };

  return (
    <div class="composer-wrap">
      <div class={`composer ${streaming ? "busy" : ""}`}>
        <textarea
          ref={ref}
          rows={1}
          value={text}
          placeholder={t("chat.placeholder", { collection })}
          aria-label={t("chat.placeholder", { collection })}
          data-testid="chat-input"
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Enter while an IME is composing (Japanese, Korean) confirms the
            // conversion; it must not send.
            if (e.isComposing || e.keyCode === 229) return;
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
