// Library: collections (with where their vectors stand), adding folders
// and files (native dialogs on the desktop, a path field everywhere), the
// jobs that index them, and the documents with their status (and, for a
// file that could not be read, why and what to do).

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { isApiError, type Collection, type Document } from "../api";
import { errorMessage } from "../i18n/errors";
import { Icon } from "../components/Icon";
import { JobCard } from "../components/JobCard";
import { meaningfulTitle } from "../format/documents";
export { meaningfulTitle };
import { formatDate } from "../format/dates";
import { embedLine } from "../format/jobs";
import { locale, t } from "../i18n";
import { describeError, failureText } from "../i18n/errors";
import { useStores } from "../stores";
import { worthShowing } from "../stores/jobs";
import { PackPanel } from "./PackPanel";

const PAGE = 200;

export function LibraryView() {
  return (
    <div class="library-view">
      <Collections />
      <div class="library-main">
        <AddBar />
        <WatchedFolders />
        <Jobs kinds={["ingest", "reindex", "sync"]} />
        <Documents />
        <PackPanel />
      </div>
    </div>
  );
}

function Collections() {
  const { library, ui } = useStores();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState("");
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));

  const create = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return;
    try {
      await library.createCollection(name);
      setName("");
      setCreating(false);
    } catch (err) {
      fail(err);
    }
  };

  const del = async (n: string) => {
    const ok = await ui.confirm({ title: t("collections.deleteTitle", { name: n }), body: t("collections.deleteBody"), confirm: t("common.delete") });
    if (ok) await library.deleteCollection(n).catch(fail);
  };

  return (
    <aside class="collections" aria-label={t("collections.title")}>
      <div class="pane-head">
        <h2>{t("collections.title")}</h2>
        <button class="icon-btn" title={t("collections.new")} aria-label={t("collections.new")} onClick={() => setCreating(!creating)} data-testid="collection-new">
          <Icon name="plus" />
        </button>
      </div>
      {creating && (
        <form class="inline-form" onSubmit={create}>
          <input
            class="input small"
            autoFocus
            value={name}
            placeholder={t("collections.namePlaceholder")}
            onInput={(e) => setName(e.currentTarget.value)}
            onKeyDown={(e) => e.key === "Escape" && setCreating(false)}
            data-testid="collection-name-input"
          />
          <button class="btn small primary" type="submit" disabled={!name.trim()} data-testid="collection-create">
            {t("common.create")}
          </button>
        </form>
      )}
      <ul class="collection-items">
        {listed(library.collections.value, library.current.value).map((c) => (
          <li key={c.name} class={`collection-item ${c.name === library.current.value ? "active" : ""}`} data-testid="collection-item" data-name={c.name}>
            <button class="collection-open" onClick={() => library.select(c.name)}>
              <span class="collection-name">
                <Icon name="library" size={15} /> {c.name}
              </span>
              <span class="collection-meta muted">{t("collections.stats", { documents: c.documents, chunks: c.chunks, count: c.documents })}</span>
              <EmbedLine collection={c.name} />
            </button>
            <div class="row-actions">
              <button class="icon-btn small" title={t("collections.delete")} aria-label={t("collections.delete")} onClick={() => del(c.name)} data-testid="collection-delete">
                <Icon name="trash" size={14} />
              </button>
            </div>
          </li>
        ))}
      </ul>
    </aside>
  );
}

function AddBar() {
  const { library, ui, api } = useStores();
  const [path, setPath] = useState("");
  const [dialogs, setDialogs] = useState(api.dialogs);
  const [answerOpen, setAnswerOpen] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const collection = library.current.value;
  const hint = library.dropHint.value;

  useEffect(() => {
    if (hint) inputRef.current?.focus();
  }, [hint]);

  const start = async (paths: string[]) => {
    if (paths.length === 0) return;
    try {
      await library.ingest(paths);
      ui.toast("info", t("jobs.started", { what: t("jobs.kind.ingest") }));
      return true;
    } catch (e) {
      ui.toast("error", errorMessage(e));
      return false;
    }
  };

  const choose = async (kind: "folder" | "files") => {
    try {
      const paths = kind === "folder" ? [await api.ChooseFolder()].filter(Boolean) : await api.ChooseFiles();
      await start(paths);
    } catch (e) {
      if (isApiError(e, "no_dialogs")) {
        // The browser: no native dialogs; offer the path field.
        setDialogs(false);
        ui.toast("info", t("library.dialogsUnavailable"));
        inputRef.current?.focus();
      } else ui.toast("error", errorMessage(e));
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const p = path.trim();
    if (!p) return;
    if (await start([p])) {
      setPath("");
      library.dropHint.value = false;
    }
  };

  return (
    <section class="card add-card">
      <div class="add-head">
        <h1 class="view-title">{collection}</h1>
        <button class={`btn small ghost answer-open ${answerOpen ? "active" : ""}`} onClick={() => setAnswerOpen(!answerOpen)} aria-expanded={answerOpen} data-testid="collection-answer-open">
          <Icon name="settings" size={14} /> {t("collections.answer")}
        </button>
        {dialogs && (
          <div class="add-buttons">
            <button class="btn primary" onClick={() => choose("folder")} data-testid="add-folder">
              <Icon name="folder" size={16} /> {t("library.addFolder")}
            </button>
            <button class="btn" onClick={() => choose("files")} data-testid="add-files">
              <Icon name="file" size={16} /> {t("library.addFiles")}
            </button>
          </div>
        )}
      </div>
      {answerOpen && <AnswerSettingsForm key={collection} collection={collection} onDone={() => setAnswerOpen(false)} />}
      {hint && (
        <div class="note info" data-testid="drop-hint">
          <Icon name="info" size={16} />
          <span>{t("library.dropBrowser")}</span>
          <button class="icon-btn small" onClick={() => (library.dropHint.value = false)} aria-label={t("common.dismiss")}>
            <Icon name="x" size={14} />
          </button>
        </div>
      )}
      <form class="path-form" onSubmit={submit}>
        <label class="field-label" for="add-path">
          {t("library.pathLabel")}
        </label>
        <div class="path-row">
          <input
            id="add-path"
            ref={inputRef}
            class={`input mono ${hint ? "attention" : ""}`}
            value={path}
            placeholder={t("library.pathPlaceholder")}
            onInput={(e) => setPath(e.currentTarget.value)}
            data-testid="add-path-input"
            spellcheck={false}
            autocomplete="off"
          />
          <button class={`btn ${dialogs ? "" : "primary"}`} type="submit" disabled={!path.trim()} data-testid="add-path-submit">
            <Icon name="plus" size={16} /> {t("common.add")}
          </button>
        </div>
        <p class="hint">{t("library.pathHint")}</p>
      </form>
    </section>
  );
}

/** The answer settings one collection overrides: its chat model and its passages per answer. */
function AnswerSettingsForm({ collection, onDone }: { collection: string; onDone: () => void }) {
  const { api, models, settings, ui } = useStores();
  const [model, setModel] = useState("");
  const [embed, setEmbed] = useState("");
  const [topK, setTopK] = useState("");
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    if (models.models.value.length === 0) void models.load().catch(() => {});
    api
      .CollectionSettings(collection)
      .then((s) => {
        setModel(s.chatModel);
        setEmbed(s.embedModel);
        setTopK(s.topK > 0 ? String(s.topK) : "");
        setLoaded(true);
      })
      .catch((e) => ui.toast("error", errorMessage(e)));
  }, [collection]);
  const g = settings.settings.value;
  const chatModels = models.models.value.filter((m) => !m.embedding);
  const embedModels = models.models.value.filter((m) => m.embedding);
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await api.SaveCollectionSettings(collection, { chatModel: model, topK: topK.trim() ? Math.round(Number(topK)) : 0, embedModel: embed });
      ui.toast("success", t("collections.answerSaved", { name: collection }));
      onDone();
    } catch (err) {
      ui.toast("error", errorMessage(err));
    }
  };
  if (!loaded) return null;
  return (
    <form class="answer-settings" onSubmit={save} data-testid="collection-answer">
      <p class="hint">{t("collections.answerHint", { name: collection })}</p>
      <div class="form-grid">
        <label class="field">
          <span class="field-label">{t("collections.answerModel")}</span>
          <select class="input" value={model} onChange={(e) => setModel(e.currentTarget.value)} data-testid="collection-answer-model">
            <option value="">{t("collections.answerModelDefault", { model: g?.chatModel ?? "" })}</option>
            {model && !chatModels.some((m) => m.name === model) && <option value={model}>{model}</option>}
            {chatModels.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">{t("collections.answerTopK")}</span>
          <input
            class="input"
            type="number"
            min={1}
            max={50}
            value={topK}
            placeholder={t("collections.answerTopKDefault", { count: g?.topK ?? 6 })}
            onInput={(e) => setTopK(e.currentTarget.value)}
            data-testid="collection-answer-topk"
          />
          <span class="hint">{t("settings.range", { min: 1, max: 50 })}</span>
        </label>
        <label class="field">
          <span class="field-label">{t("collections.embedModelChoice")}</span>
          <select class="input" value={embed} onChange={(e) => setEmbed(e.currentTarget.value)} data-testid="collection-embed-model">
            <option value="">{t("collections.answerModelDefault", { model: g?.embedModel ?? "" })}</option>
            {embed && !embedModels.some((m) => m.name === embed) && <option value={embed}>{embed}</option>}
            {embedModels.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </select>
          <span class="hint">{t("collections.embedModelHint")}</span>
        </label>
      </div>
      <div class="modal-actions">
        <button type="button" class="btn" onClick={onDone}>
          {t("common.cancel")}
        </button>
        <button type="submit" class="btn primary" data-testid="collection-answer-save">
          {t("common.save")}
        </button>
      </div>
    </form>
  );
}

/** The collections to list: the current one too before anything was added to it (the default one on a first start). */
function listed(cols: Collection[], current: string): Collection[] {
  if (cols.some((c) => c.name === current)) return cols;
  return [{ name: current, documents: 0, chunks: 0, vectors: 0, embedModel: "" }, ...cols];
}

/** Where a collection's vectors stand, from embed:progress (nothing once all are done and nothing happened since). */
function EmbedLine({ collection }: { collection: string }) {
  const { embedding } = useStores();
  const s = embedding.byCollection.value.get(collection);
  if (!s) return null;
  const line = embedLine(s, locale.value, (x) => describeError(x.errorCode, x.errorParams, x.error));
  if (!line) return null;
  return (
    <span class={`collection-embed state-${s.state}`} data-testid="collection-embed" data-state={s.state}>
      {(s.state === "embedding" || s.state === "waiting") && <span class="spinner tiny" />} {line}
    </span>
  );
}

/**
 * The folders the current collection follows: Kura applies what changes in
 * them while it runs (and catches up at start), so each shows when it was
 * last brought up to date; the user can stop following one.
 */
function WatchedFolders() {
  const { library, ui } = useStores();
  const loc = locale.value;
  const list = library.watched.value.filter((w) => w.collection === library.current.value);
  if (list.length === 0) return null;
  const stop = async (path: string, name: string) => {
    const ok = await ui.confirm({ title: t("watch.stopTitle", { name }), body: t("watch.stopBody"), confirm: t("watch.stop"), danger: false });
    if (!ok) return;
    try {
      await library.stopWatching(path);
      ui.toast("success", t("watch.stopped", { name }));
    } catch (e) {
      ui.toast("error", errorMessage(e));
    }
  };
  return (
    <section class="card watch-card" aria-label={t("watch.title")} data-testid="watched-folders">
      <h2 class="section-label">
        <Icon name="refresh" size={14} /> {t("watch.title")}
      </h2>
      <ul class="watch-list">
        {list.map((w) => (
          <li key={w.path} class="watch-item" data-testid="watched-folder" data-path={w.path}>
            <div class="watch-main">
              <span class="watch-name" title={w.path}>
                {w.name}
              </span>
              <span class="watch-path muted" title={w.path}>
                {w.path}
              </span>
            </div>
            <span class={`watch-sync muted ${w.lastError ? "error" : ""}`} data-testid="watched-sync" title={w.lastError || undefined}>
              {w.lastError
                ? t("watch.failed", { error: w.lastError })
                : w.lastSync > 0
                  ? t("watch.synced", { time: formatDate(w.lastSync, loc) })
                  : t("watch.notYet")}
            </span>
            <button class="btn small ghost" onClick={() => void stop(w.path, w.name)} data-testid="watched-stop">
              {t("watch.stop")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The running and recent jobs of the given kinds (not dismissed). */
export function Jobs({ kinds }: { kinds: string[] }) {
  const { jobs } = useStores();
  const list = jobs.jobs.value.filter((j) => kinds.includes(j.kind) && !jobs.dismissed.value.has(j.id) && worthShowing(j));
  if (list.length === 0) return null;
  return (
    <section class="jobs" aria-label={t("jobs.title")} data-testid="jobs">
      {list.slice(0, 6).map((j) => (
        <JobCard key={j.id} job={j} />
      ))}
    </section>
  );
}

function Documents() {
  const { library, ui } = useStores();
  const [filter, setFilter] = useState("");
  const [limit, setLimit] = useState(PAGE);
  const loc = locale.value;
  const docs = library.documents.value;
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? docs.filter((d) => d.name.toLowerCase().includes(f) || d.path.toLowerCase().includes(f) || d.title.toLowerCase().includes(f)) : docs;
  }, [docs, filter]);
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));

  const remove = async (d: Document) => {
    const ok = await ui.confirm({ title: t("docs.removeTitle", { name: d.name }), body: t("docs.removeBody"), confirm: t("common.remove") });
    if (!ok) return;
    try {
      await library.removeDocument(d.path);
      ui.toast("success", t("docs.removed", { name: d.name }));
    } catch (e) {
      fail(e);
    }
  };

  const reindex = async (d: Document) => {
    try {
      await library.reindexDocument(d.path);
    } catch (e) {
      fail(e);
    }
  };

  const reindexAll = async () => {
    const ok = await ui.confirm({
      title: t("library.reindexAllTitle", { name: library.current.value }),
      body: t("library.reindexAllBody"),
      confirm: t("library.reindexAll"),
      danger: false,
    });
    if (ok) await library.reindexAll().catch(fail);
  };

  return (
    <section class="card docs-card">
      <div class="docs-head">
        <h2>
          {t("docs.title")} <span class="count muted">{t("docs.count", { count: docs.length })}</span>
        </h2>
        <div class="docs-tools">
          {docs.length > 0 && (
            <input class="input small filter" type="search" value={filter} placeholder={t("docs.filter")} onInput={(e) => setFilter(e.currentTarget.value)} data-testid="doc-filter" />
          )}
          {docs.length > 0 && (
            <button class="btn small" onClick={reindexAll} data-testid="reindex-all">
              <Icon name="refresh" size={14} /> {t("library.reindexAll")}
            </button>
          )}
        </div>
      </div>
      {docs.length === 0 ? (
        <div class="empty-docs">
          {library.loadingDocs.value ? (
            <span class="muted">{t("common.loading")}</span>
          ) : (
            <>
              <Icon name="drop" size={32} />
              <p class="muted">{t("docs.empty")}</p>
            </>
          )}
        </div>
      ) : shown.length === 0 ? (
        <p class="empty-line muted">{t("docs.noMatch")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table docs-table">
            <thead>
              <tr>
                <th>{t("docs.col.name")}</th>
                <th>{t("docs.col.status")}</th>
                <th class="num hide-narrow">{t("docs.col.pages")}</th>
                <th class="num hide-narrow">{t("docs.col.chunks")}</th>
                <th class="hide-narrow">{t("docs.col.indexed")}</th>
                <th class="actions-col" />
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, limit).map((d) => (
                <tr key={d.path} data-testid="doc-row" data-path={d.path} data-status={d.status}>
                  <td class="doc-name-cell">
                    <div class="doc-name" title={d.path}>
                      <Icon name="file" size={15} />
                      <span>{d.name}</span>
                    </div>
                    <div class="doc-path muted" title={d.path}>
                      {meaningfulTitle(d) ? `${d.title} · ${d.path}` : d.path}
                    </div>
                    {d.error && (
                      <div class="doc-error" data-testid="doc-error" data-code={d.errorCode}>
                        {failureText(d.errorCode, d.error)}
                      </div>
                    )}
                  </td>
                  <td>
                    <span class={`badge ${d.status}`} title={t(`docs.hint.${d.status}`)} data-testid="doc-status">
                      {t(`docs.status.${d.status}`)}
                    </span>
                  </td>
                  <td class="num hide-narrow">{d.pages || "–"}</td>
                  <td class="num hide-narrow">{d.chunks}</td>
                  <td class="hide-narrow muted nowrap">{formatDate(d.indexedAt, loc)}</td>
                  <td class="actions-col">
                    <div class="row-actions always">
                      <button class="icon-btn small" title={t("docs.reindex")} aria-label={t("docs.reindex")} onClick={() => reindex(d)} data-testid="doc-reindex">
                        <Icon name="refresh" size={15} />
                      </button>
                      <button class="icon-btn small" title={t("docs.remove")} aria-label={t("docs.remove")} onClick={() => remove(d)} data-testid="doc-remove">
                        <Icon name="trash" size={15} />
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length > limit && (
            <button class="btn small more" onClick={() => setLimit(limit + PAGE)}>
              {t("docs.showMore", { count: Math.min(PAGE, shown.length - limit) })}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
