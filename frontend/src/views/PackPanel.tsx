// Knowledge packs in the Library view: export the current collection to a
// sealed file, import a pack (asked for its passphrase or key file, and,
// when its collection exists here, whether to replace it or take another
// name), and the pack jobs running.

import { useEffect, useState } from "preact/hooks";
import { isApiError, type Job, type PackInfo, type PackSeal } from "../api";
import { errorMessage } from "../i18n/errors";
import { Icon } from "../components/Icon";
import { ProgressBar } from "../components/Progress";
import { formatBytes } from "../format/progress";
import { locale, t } from "../i18n";
import { isFinished } from "../stores/jobs";
import { useStores } from "../stores";

const noSeal: PackSeal = { passphrase: "", recipients: [], keyFile: "" };

export function PackPanel() {
  const [mode, setMode] = useState<"" | "export" | "import">("");
  return (
    <section class="card pack-card" data-testid="packs">
      <div class="docs-head">
        <h2>{t("packs.title")}</h2>
        <div class="docs-tools">
          <button class={`btn small ${mode === "export" ? "primary" : ""}`} onClick={() => setMode(mode === "export" ? "" : "export")} data-testid="pack-export-open">
            <Icon name="file" size={14} /> {t("packs.export")}
          </button>
          <button class={`btn small ${mode === "import" ? "primary" : ""}`} onClick={() => setMode(mode === "import" ? "" : "import")} data-testid="pack-import-open">
            <Icon name="plus" size={14} /> {t("packs.import")}
          </button>
        </div>
      </div>
      <p class="hint">{t("packs.intro")}</p>
      {mode === "export" && <ExportForm done={() => setMode("")} />}
      {mode === "import" && <ImportForm done={() => setMode("")} />}
      <PackJobs />
    </section>
  );
}

/** Asks the desktop's native dialog; in the browser, focuses the path field instead. */
async function choose(f: () => Promise<string>, set: (p: string) => void, fail: (e: unknown) => void) {
  try {
    const p = await f();
    if (p) set(p);
  } catch (e) {
    if (!isApiError(e, "invalid")) fail(e);
    else fail(new Error(t("library.dialogsUnavailable")));
  }
}

function ExportForm({ done }: { done: () => void }) {
  const { api, library, ui } = useStores();
  const name = library.current.value;
  const [out, setOut] = useState("");
  const [pass, setPass] = useState("");
  const [again, setAgain] = useState("");
  const [withFiles, setWithFiles] = useState(true);
  const [withModels, setWithModels] = useState(false);
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));
  const mismatch = again !== "" && again !== pass;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!out.trim() || !pass || pass !== again) return;
    try {
      await api.ExportPack({ collection: name, out: out.trim(), withFiles, withModels, seal: { ...noSeal, passphrase: pass } });
      done();
    } catch (err) {
      fail(err);
    }
  };

  return (
    <form class="pack-form" onSubmit={submit} data-testid="pack-export-form">
      <h3>{t("packs.exportTitle", { name })}</h3>
      <label class="field-label" for="pack-out">
        {t("packs.destination")}
      </label>
      <div class="path-row">
        <input id="pack-out" class="input mono" value={out} placeholder={t("packs.destinationPlaceholder", { name })}
          onInput={(e) => setOut(e.currentTarget.value)} spellcheck={false} autocomplete="off" data-testid="pack-out" />
        {api.dialogs && (
          <button type="button" class="btn" onClick={() => choose(() => api.ChoosePackDestination(name), setOut, fail)}>
            {t("packs.choose")}
          </button>
        )}
      </div>
      <label class="check">
        <input type="checkbox" checked={withFiles} onChange={(e) => setWithFiles(e.currentTarget.checked)} /> {t("packs.withFiles")}
      </label>
      <label class="check">
        <input type="checkbox" checked={withModels} onChange={(e) => setWithModels(e.currentTarget.checked)} /> {t("packs.withModels")}
      </label>
      <label class="field-label" for="pack-pass">
        {t("packs.passphrase")}
      </label>
      <input id="pack-pass" class="input" type="password" value={pass} onInput={(e) => setPass(e.currentTarget.value)} autocomplete="new-password" data-testid="pack-pass" />
      <label class="field-label" for="pack-pass2">
        {t("packs.passphraseAgain")}
      </label>
      <input id="pack-pass2" class="input" type="password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} autocomplete="new-password" data-testid="pack-pass2" />
      {mismatch && <p class="doc-error">{t("packs.passphraseMismatch")}</p>}
      <p class="hint">{t("packs.passphraseHint")}</p>
      <button class="btn primary" type="submit" disabled={!out.trim() || !pass || pass !== again} data-testid="pack-export-start">
        {t("packs.startExport")}
      </button>
    </form>
  );
}

function ImportForm({ done }: { done: () => void }) {
  const { api, ui } = useStores();
  const [path, setPath] = useState("");
  const [sealed, setSealed] = useState<PackInfo | null>(null); // how it is sealed
  const [pass, setPass] = useState("");
  const [keyFile, setKeyFile] = useState("");
  const [info, setInfo] = useState<PackInfo | null>(null); // what it holds, once opened
  const [how, setHow] = useState<"replace" | "rename">("rename");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const fail = (e: unknown) => ui.toast("error", errorMessage(e));

  useEffect(() => {
    setSealed(null);
    setInfo(null);
  }, [path]);

  const inspect = async (p: string, seal: PackSeal) => {
    setBusy(true);
    try {
      const i = await api.InspectPack(p, seal);
      if (i.opened) {
        setInfo(i);
        setName(`${i.collection}-2`);
      } else setSealed(i);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const open = (e: Event) => {
    e.preventDefault();
    if (!sealed) void inspect(path.trim(), noSeal);
    else void inspect(path.trim(), { ...noSeal, passphrase: pass, keyFile: keyFile.trim() });
  };

  const start = async () => {
    if (!info) return;
    try {
      const replace = info.exists && how === "replace";
      const as = info.exists && how === "rename" ? name.trim() : "";
      await api.ImportPack(info.path, { ...noSeal, passphrase: pass, keyFile: keyFile.trim() }, as, replace);
      done();
    } catch (e) {
      fail(e);
    }
  };

  return (
    <div class="pack-form" data-testid="pack-import-form">
      <form onSubmit={open}>
        <label class="field-label" for="pack-file">
          {t("packs.file")}
        </label>
        <div class="path-row">
          <input id="pack-file" class="input mono" value={path} placeholder={t("packs.filePlaceholder")}
            onInput={(e) => setPath(e.currentTarget.value)} spellcheck={false} autocomplete="off" data-testid="pack-file" />
          {api.dialogs && (
            <button type="button" class="btn" onClick={() => choose(() => api.ChoosePackFile(), setPath, fail)}>
              {t("packs.choose")}
            </button>
          )}
        </div>
        {sealed && !info && sealed.passphrase && (
          <>
            <label class="field-label" for="pack-open-pass">
              {t("packs.passphrase")}
            </label>
            <input id="pack-open-pass" class="input" type="password" autoFocus value={pass} onInput={(e) => setPass(e.currentTarget.value)} data-testid="pack-open-pass" />
          </>
        )}
        {sealed && !info && !sealed.passphrase && (
          <>
            <label class="field-label" for="pack-key">
              {t("packs.keyFile")}
            </label>
            <input id="pack-key" class="input mono" value={keyFile} onInput={(e) => setKeyFile(e.currentTarget.value)} spellcheck={false} data-testid="pack-key" />
            <p class="hint">{t("packs.keyFileHint")}</p>
          </>
        )}
        {!info && (
          <button class="btn primary" type="submit" disabled={busy || !path.trim() || (!!sealed && !pass && !keyFile.trim())} data-testid="pack-open">
            {t("packs.open")}
          </button>
        )}
      </form>
      {info && (
        <div class="pack-info" data-testid="pack-info">
          <p>{t("packs.holds", { name: info.collection, documents: info.documents, chunks: info.chunks, vectors: info.vectors })}</p>
          {info.exists && (
            <div class="pack-exists" data-testid="pack-exists">
              <p class="note info">{t("packs.exists", { name: info.collection })}</p>
              <label class="check">
                <input type="radio" name="pack-how" checked={how === "replace"} onChange={() => setHow("replace")} data-testid="pack-replace" /> {t("packs.replace")}
              </label>
              <label class="check">
                <input type="radio" name="pack-how" checked={how === "rename"} onChange={() => setHow("rename")} /> {t("packs.rename")}
              </label>
              {how === "rename" && (
                <input class="input small" value={name} aria-label={t("packs.newName")} onInput={(e) => setName(e.currentTarget.value)} data-testid="pack-name" />
              )}
            </div>
          )}
          <button class="btn primary" onClick={start} disabled={info.exists && how === "rename" && !name.trim()} data-testid="pack-import-start">
            {t("packs.startImport")}
          </button>
        </div>
      )}
    </div>
  );
}

/** The pack jobs of this session that are not dismissed. */
function PackJobs() {
  const { api, jobs, library, ui } = useStores();
  const loc = locale.value;
  useEffect(
    () =>
      jobs.onDone((j: Job) => {
        if (j.kind !== "pack-export" && j.kind !== "pack-import") return;
        if (j.state === "done") {
          ui.toast("success", j.kind === "pack-export" ? t("packs.exported", { name: j.collection }) : t("packs.imported", { name: j.collection }));
          if (j.kind === "pack-import") {
            void library.loadCollections().catch(() => {});
            void library.loadDocuments().catch(() => {});
          }
        } else if (j.state === "failed") ui.toast("error", j.error);
      }),
    [],
  );
  const list = jobs.jobs.value.filter((j) => (j.kind === "pack-export" || j.kind === "pack-import") && !jobs.dismissed.value.has(j.id));
  if (list.length === 0) return null;
  return (
    <ul class="pack-jobs">
      {list.slice(0, 4).map((j) => {
        const fraction = j.state === "done" ? 1 : j.bytesTotal > 0 ? j.bytesDone / j.bytesTotal : null;
        return (
          <li key={j.id} class={`job-card state-${j.state}`} data-testid="pack-job" data-state={j.state}>
            <div class="job-head">
              <span class="job-kind">{t(j.kind === "pack-export" ? "packs.running.export" : "packs.running.import", { name: j.collection })}</span>
              <span class={`pill state-${j.state}`}>{t(`jobs.state.${j.state}`)}</span>
              {!isFinished(j) && (
                <button class="btn small" onClick={() => api.CancelJob(j.id).catch((e) => ui.toast("error", errorMessage(e)))}>
                  {t("jobs.cancel")}
                </button>
              )}
              {isFinished(j) && (
                <button class="icon-btn small" aria-label={t("common.dismiss")} onClick={() => jobs.dismiss(j.id)}>
                  <Icon name="x" size={14} />
                </button>
              )}
            </div>
            {!isFinished(j) && <ProgressBar fraction={fraction} />}
            <div class="muted small">
              {!isFinished(j) && j.phase && t(`packs.phase.${j.phase}` as never)}
              {!isFinished(j) && j.bytesDone > 0 && ` · ${formatBytes(j.bytesDone, loc)}`}
              {j.state === "done" && j.summary && t("jobs.summaryIndex", { chunks: j.summary.chunks, vectors: j.summary.vectors })}
              {j.state === "failed" && <span class="doc-error">{j.error}</span>}
            </div>
            {j.summary?.warnings.map((w) => (
              <div key={w} class="muted small">
                {w}
              </div>
            ))}
          </li>
        );
      })}
    </ul>
  );
}
