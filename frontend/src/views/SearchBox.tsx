// The search box in the top bar (Ctrl/Cmd+K): passages from the current
// collection with file and page, most relevant first (fusion scores mean
// nothing to a reader, so none is shown), the query's words marked, the same
// passage in several files listed once, and whether the search was hybrid
// or keywords only (and why). Choosing a passage opens it in the source
// panel.

import { useEffect, useRef, useState } from "preact/hooks";
import type { Passage } from "../api";
import { Icon } from "../components/Icon";
import { isMac } from "../components/Shortcuts";
import { locale, t } from "../i18n";
import { errorMessage } from "../i18n/errors";
import { useStores } from "../stores";
import { pageLabel } from "../format/pages";
import { coverageOf, searchModeText } from "../format/search";
import { groupSame } from "../text/group";
import { queryTerms, splitTerms } from "../text/highlight";

const DEBOUNCE_MS = 250;

export function SearchBox() {
  const { search, library, source, embedding } = useStores();
  const inputRef = useRef<HTMLInputElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const [text, setText] = useState(search.query.value);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const collection = library.current.value;
  const result = search.result.value;
  const groups = groupSame(result?.passages ?? []);
  const passages = groups.map((g) => g.passage);
  const terms = queryTerms(search.query.value);
  // The part of the passages with vectors, live from embed:progress.
  const mode = result
    ? searchModeText(result.mode, coverageOf(embedding.byCollection.value.get(collection), library.collections.value.find((c) => c.name === collection)), locale.value)
    : null;

  // Ctrl/Cmd+K focuses the box from anywhere.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
        setOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      if (boxRef.current && !boxRef.current.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener("mousedown", onDown);
    return () => window.removeEventListener("mousedown", onDown);
  }, []);

  // A new collection gives new results for the same words.
  useEffect(() => {
    if (text.trim()) void search.run(collection, text);
  }, [collection]);

  const onInput = (value: string) => {
    setText(value);
    setOpen(true);
    setActive(0);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void search.run(collection, value), DEBOUNCE_MS);
  };

  const choose = (p: Passage) => {
    setOpen(false);
    const also = groups.find((g) => g.passage === p)?.also ?? [];
    void source.show(collection, p, { query: search.query.value, also });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing || e.keyCode === 229) return;
    if (e.key === "Escape") {
      e.stopPropagation();
      if (open && text) setOpen(false);
      else inputRef.current?.blur();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(passages.length - 1, a + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === "Enter") {
      e.preventDefault();
      clearTimeout(timer.current);
      if (passages[active] && search.query.value === text) choose(passages[active]);
      else void search.run(collection, text);
      setOpen(true);
    }
  };

  const showPanel = open && text.trim() !== "";

  return (
    <div class="search" ref={boxRef}>
      <div class="search-field">
        <Icon name="search" size={16} />
        <input
          ref={inputRef}
          type="search"
          value={text}
          placeholder={t("search.placeholder")}
          aria-label={t("search.placeholder")}
          data-testid="search-input"
          onInput={(e) => onInput(e.currentTarget.value)}
          onFocus={() => setOpen(true)}
          onKeyDown={onKeyDown}
          autocomplete="off"
          spellcheck={false}
        />
        <kbd class="shortcut">{isMac() ? "⌘K" : "Ctrl K"}</kbd>
      </div>
      {showPanel && (
        <div class="search-panel" role="listbox" data-testid="search-results">
          {result && (
            <div class="search-meta">
              <span class={`mode-badge ${result.mode}`} title={mode?.hint} data-testid="search-mode" data-mode={result.mode}>
                {mode?.label}
              </span>
              <span class="muted">{t("search.count", { count: passages.length, collection })}</span>
              {passages.length > 1 && <span class="muted" data-testid="search-order">· {t("search.order")}</span>}
              {search.loading.value && <span class="spinner small" />}
            </div>
          )}
          {result?.warningCode && (
            <div class="note warn" data-testid="search-warning">
              <Icon name="alert" size={16} />
              <span>{t(`search.warn.${result.warningCode}`)}</span>
            </div>
          )}
          {!result && search.loading.value && <div class="search-empty muted">{t("search.searching")}</div>}
          {search.error.value !== null && <div class="search-empty error-text">{errorMessage(search.error.value)}</div>}
          {result && passages.length === 0 && !search.loading.value && <div class="search-empty muted">{t("search.none", { query: text.trim() })}</div>}
          <ul class="search-list">
            {groups.map(({ passage: p, also }, i) => (
              <li key={`${p.path}#${p.page}#${p.start}`}>
                <button
                  class={`search-item ${i === active ? "active" : ""}`}
                  role="option"
                  aria-selected={i === active}
                  onMouseEnter={() => setActive(i)}
                  onClick={() => choose(p)}
                  data-testid="search-result"
                >
                  <div class="search-item-head">
                    <Icon name="file" size={15} />
                    <span class="search-file" title={p.path}>
                      {p.name}
                    </span>
                    {p.page > 0 && <span class="pill subtle">{pageLabel(p)}</span>}
                    {p.ocr && (
                      <span class="pill subtle" title={t("source.ocrHint")} data-testid="search-ocr">
                        {t("search.ocr")}
                      </span>
                    )}
                  </div>
                  {also.length > 0 && (
                    <div class="search-also muted" data-testid="search-also">
                      {t("search.alsoIn", { names: also.map((a) => a.name).join(", ") })}
                    </div>
                  )}
                  <div class="search-text">
                    {splitTerms(p.text, terms).map((piece, j) => (piece.hit ? <mark key={j}>{piece.text}</mark> : piece.text))}
                  </div>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
