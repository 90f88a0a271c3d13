// Models: the runtime Kura talks to, the installed models, which ones answer
// and which embed, and getting more (download, or import a GGUF offline).

import { useEffect, useState } from "preact/hooks";
import { errorMessage, type Model } from "../api";
import { Icon } from "../components/Icon";
import { formatBytes } from "../format/progress";
import { locale, t } from "../i18n";
import { useStores } from "../stores";
import { Jobs } from "./Library";
import { installedName, sameModel } from "../format/models";

export function ModelsView() {
  const { models, ui } = useStores();
  useEffect(() => {
    void models.load().catch((e) => ui.toast("error", errorMessage(e)));
  }, []);
  return (
    <div class="page models-view">
      <h1 class="view-title">{t("models.title")}</h1>
      <RuntimeCard />
      <Choice />
      <Installed />
      <div class="two-col">
        <PullCard />
        <ImportCard />
      </div>
    </div>
  );
}

function RuntimeCard() {
  const { models, ui } = useStores();
  const r = models.runtime.value;
  const refresh = () => void models.load().catch((e) => ui.toast("error", errorMessage(e)));
  return (
    <section class="card" data-testid="runtime-status">
      <div class="card-head">
        <h2>{t("models.runtime")}</h2>
        <button class="btn small ghost" onClick={refresh} disabled={models.loading.value}>
          <Icon name="refresh" size={14} /> {t("models.refresh")}
        </button>
      </div>
      {!r ? (
        <p class="muted">{t("common.loading")}</p>
      ) : (
        <>
          <div class="runtime-line">
            <span class={`dot ${r.reachable ? "ok" : "bad"}`} />
            <strong>{r.bundled ? t("models.bundled") : t("models.external")}</strong>
            <span class={`pill ${r.reachable ? "state-done" : "state-failed"}`} data-testid="runtime-reachable" data-reachable={String(r.reachable)}>
              {r.reachable ? t("models.reachable") : t("models.unreachable")}
            </span>
          </div>
          {r.error && <div class="note error">{r.error}</div>}
          <dl class="facts">
            <dt>{t("models.version")}</dt>
            <dd>{r.version || "–"}</dd>
            <dt>{t("models.url")}</dt>
            <dd class="mono">{r.url || "–"}</dd>
            <dt>{t("models.dir")}</dt>
            <dd class="mono">{r.modelsDir || "–"}</dd>
            <dt>{t("models.running")}</dt>
            <dd>
              {r.running.length === 0
                ? t("common.none")
                : r.running.map((m) => (
                    <span key={m} class="pill subtle mono">
                      {m}
                    </span>
                  ))}
            </dd>
          </dl>
        </>
      )}
    </section>
  );
}

function Choice() {
  const { settings, models, ui } = useStores();
  const s = settings.settings.value;
  const list = models.models.value;
  if (!s) return null;
  const chatModels = list.filter((m) => !m.embedding);
  const embedModels = list.filter((m) => m.embedding);
  const save = async (patch: { chatModel?: string; embedModel?: string }) => {
    try {
      await settings.save(patch);
      ui.toast("success", t("models.saved"));
      void models.load().catch(() => {});
    } catch (e) {
      ui.toast("error", errorMessage(e));
    }
  };
  const options = (ms: Model[], current: string) => (
    <>
      {current && !ms.some((m) => sameModel(m.name, current)) && <option value={current}>{t("models.notInstalled", { name: current })}</option>}
      {!current && <option value="">—</option>}
      {ms.map((m) => (
        <option key={m.name} value={m.name}>
          {m.name}
          {m.parameterSize ? ` (${m.parameterSize})` : ""}
        </option>
      ))}
    </>
  );
  return (
    <section class="card">
      <div class="card-head">
        <h2>{t("models.choose")}</h2>
      </div>
      <div class="form-grid">
        <label class="field">
          <span class="field-label">{t("models.chatModel")}</span>
          <select class="input" value={installedName(chatModels, s.chatModel)} onChange={(e) => save({ chatModel: e.currentTarget.value })} data-testid="chat-model-select">
            {options(chatModels, s.chatModel)}
          </select>
        </label>
        <label class="field">
          <span class="field-label">{t("models.embedModel")}</span>
          <select class="input" value={installedName(embedModels, s.embedModel)} onChange={(e) => save({ embedModel: e.currentTarget.value })} data-testid="embed-model-select">
            {options(embedModels, s.embedModel)}
          </select>
        </label>
      </div>
      <p class="hint">{t("models.embedNote")}</p>
    </section>
  );
}

function Installed() {
  const { models, settings, ui } = useStores();
  const loc = locale.value;
  const s = settings.settings.value;
  const list = models.models.value;
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));

  const del = async (m: Model) => {
    const ok = await ui.confirm({
      title: t("models.deleteTitle", { name: m.name }),
      body: t("models.deleteBody", { size: formatBytes(m.size, loc) }),
      confirm: t("common.delete"),
    });
    if (ok) await models.remove(m.name).catch(fail);
  };
  const use = async (patch: { chatModel?: string; embedModel?: string }) => {
    try {
      await settings.save(patch);
      ui.toast("success", t("models.saved"));
      await models.load();
    } catch (e) {
      fail(e);
    }
  };

  return (
    <section class="card">
      <div class="card-head">
        <h2>{t("models.installed")}</h2>
      </div>
      {list.length === 0 ? (
        <p class="muted">{models.loading.value ? t("common.loading") : t("models.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table models-table">
            <thead>
              <tr>
                <th>{t("models.col.name")}</th>
                <th>{t("models.col.role")}</th>
                <th class="num">{t("models.col.size")}</th>
                <th class="hide-narrow">{t("models.col.params")}</th>
                <th class="num hide-narrow">{t("models.col.context")}</th>
                <th class="actions-col" />
              </tr>
            </thead>
            <tbody>
              {list.map((m) => {
                const isChat = s ? sameModel(s.chatModel, m.name) : m.isChatDefault;
                const isEmbed = s ? sameModel(s.embedModel, m.name) : m.isEmbedDefault;
                return (
                  <tr key={m.name} data-testid="model-row" data-name={m.name}>
                    <td>
                      <div class="model-name mono">{m.name}</div>
                      <div class="model-badges">
                        {isChat && (
                          <span class="badge indexed" data-testid="model-default-chat">
                            <Icon name="check" size={12} /> {t("models.isChat")}
                          </span>
                        )}
                        {isEmbed && (
                          <span class="badge indexed" data-testid="model-default-embed">
                            <Icon name="check" size={12} /> {t("models.isEmbed")}
                          </span>
                        )}
                      </div>
                    </td>
                    <td>
                      <span class={`tag ${m.embedding ? "embed" : "chat"}`}>{m.embedding ? t("models.role.embedding") : t("models.role.chat")}</span>
                    </td>
                    <td class="num nowrap">{formatBytes(m.size, loc)}</td>
                    <td class="hide-narrow nowrap">
                      {[m.parameterSize, m.quantization].filter(Boolean).join(" · ") || "–"}
                      {m.family && <div class="muted small-text">{m.family}</div>}
                    </td>
                    <td class="num hide-narrow nowrap">{m.contextLength ? t("models.tokens", { count: m.contextLength }) : "–"}</td>
                    <td class="actions-col">
                      <div class="row-actions always">
                        {!m.embedding && !isChat && (
                          <button class="btn small" onClick={() => use({ chatModel: m.name })} data-testid="model-use-chat">
                            {t("models.useChat")}
                          </button>
                        )}
                        {m.embedding && !isEmbed && (
                          <button class="btn small" onClick={() => use({ embedModel: m.name })} data-testid="model-use-embed">
                            {t("models.useEmbed")}
                          </button>
                        )}
                        <button class="icon-btn small" title={t("models.delete")} aria-label={t("models.delete")} onClick={() => del(m)} data-testid="model-delete">
                          <Icon name="trash" size={15} />
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PullCard() {
  const { models, ui } = useStores();
  const [name, setName] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return;
    try {
      await models.pull(name);
      setName("");
    } catch (err) {
      ui.toast("error", errorMessage(err));
    }
  };
  return (
    <section class="card">
      <div class="card-head">
        <h2>
          <Icon name="download" size={17} /> {t("models.pull")}
        </h2>
      </div>
      <form class="path-row" onSubmit={submit}>
        <input class="input mono" value={name} placeholder={t("models.pullPlaceholder")} onInput={(e) => setName(e.currentTarget.value)} data-testid="model-pull-input" spellcheck={false} />
        <button class="btn primary" type="submit" disabled={!name.trim()} data-testid="model-pull-submit">
          {t("models.pullButton")}
        </button>
      </form>
      <p class="hint">{t("models.pullNote")}</p>
      <div data-testid="pull-jobs">
        <Jobs kinds={["pull"]} />
      </div>
    </section>
  );
}

function ImportCard() {
  const { models, ui, api } = useStores();
  const [path, setPath] = useState("");
  const [name, setName] = useState("");
  const choose = async () => {
    try {
      const files = await api.ChooseFiles();
      if (files[0]) setPath(files[0]);
    } catch (e) {
      ui.toast("error", errorMessage(e));
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!path.trim()) return;
    try {
      await models.importGguf(path, name);
      setPath("");
      setName("");
    } catch (err) {
      ui.toast("error", errorMessage(err));
    }
  };
  return (
    <section class="card">
      <div class="card-head">
        <h2>
          <Icon name="upload" size={17} /> {t("models.import")}
        </h2>
      </div>
      <form class="stack" onSubmit={submit}>
        <div class="path-row">
          <input class="input mono" value={path} placeholder={t("models.importPath")} onInput={(e) => setPath(e.currentTarget.value)} data-testid="model-import-path" spellcheck={false} />
          {api.dialogs && (
            <button class="btn" type="button" onClick={choose}>
              {t("common.choose")}
            </button>
          )}
        </div>
        <div class="path-row">
          <input class="input mono" value={name} placeholder={t("models.importName")} onInput={(e) => setName(e.currentTarget.value)} data-testid="model-import-name" spellcheck={false} />
          <button class="btn primary" type="submit" disabled={!path.trim()} data-testid="model-import-submit">
            {t("models.importButton")}
          </button>
        </div>
      </form>
      <Jobs kinds={["import"]} />
    </section>
  );
}
