// The source panel: the cited passage in its page. For a PDF the page itself
// is drawn with pdf.js (loaded on first use) with the passage marked on it;
// below, the stored page text with the passage highlighted and scrolled to.
// A passage that runs across a page break is marked on both pages. Text
// recognised by OCR is labelled as such.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../api";
import { Icon } from "../components/Icon";
import { t } from "../i18n";
import { useStores } from "../stores";
import { spansPages } from "../stores/source";
import { splitHighlight } from "../text/offsets";
import { isSection } from "../format/pages";
import type { Rect } from "../pdf/render";

export function SourcePanel() {
  const { source } = useStores();
  const open = source.open.value;
  const textRef = useRef<HTMLDivElement>(null);
  const panelRef = useRef<HTMLElement>(null);
  const src = open?.source ?? null;
  const srcEnd = open?.sourceEnd ?? null;
  const passage = open?.passage;
  const spans = passage ? spansPages(passage) : false;

  // On the first page the mark runs to the page's end when the passage goes
  // on; on the next page it runs from the start to the passage's end.
  const [before, mark, after] =
    src && passage ? splitHighlight(src.text, passage.start, spans ? Array.from(src.text).length : passage.end) : ["", "", ""];
  const [, markEnd, afterEnd] = srcEnd && passage ? splitHighlight(srcEnd.text, 0, passage.end) : ["", "", ""];
  const ocr = !!(src?.ocr || srcEnd?.ocr);

  // Bring the highlight into view inside the text pane only.
  useLayoutEffect(() => {
    const box = textRef.current;
    const m = box?.querySelector("mark");
    if (!box || !(m instanceof HTMLElement)) return;
    const top = m.offsetTop - box.offsetTop;
    box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }, [src, passage?.start, passage?.end, passage?.path]);

  useEffect(() => {
    if (open) panelRef.current?.focus({ preventScroll: true });
  }, [open?.passage.path, open?.passage.page]);

  if (!open || !passage) return null;

  const page = src?.page ?? passage.page;
  const pages = src?.pages ?? 0;
  const end = spans ? passage.endPage : page;
  const pageText = isSection(passage.name, page)
    ? end > page
      ? t("source.sections", { page, end, pages: Math.max(pages, end) })
      : t("source.section", { page, pages: Math.max(pages, page) })
    : end > page
      ? pages > 0
        ? t("source.pages", { page, end, pages })
        : t("source.pagesOnly", { page, end })
      : pages > 0
        ? t("source.page", { page, pages })
        : t("source.pageOnly", { page });
  return (
    <aside class="source-panel" data-testid="source-panel" ref={panelRef} tabIndex={-1} aria-label={t("source.title")}>
      <header class="source-head">
        <div class="source-title">
          <Icon name="file" size={18} />
          <div class="source-name-wrap">
            <div class="source-name" title={passage.path} data-testid="source-name">
              {src?.name || passage.name}
            </div>
            <div class="source-sub muted">
              {page > 0 && <span data-testid="source-page">{pageText}</span>}
              {passage.n > 0 && <span class="pill subtle">{t("source.passage", { n: passage.n })}</span>}
              {ocr && (
                <span class="pill subtle" title={t("source.ocrHint")} data-testid="source-ocr">
                  {t("source.ocr")}
                </span>
              )}
            </div>
          </div>
        </div>
        <button class="icon-btn" onClick={source.close} aria-label={t("source.close")} title={t("source.close")} data-testid="source-close">
          <Icon name="x" />
        </button>
      </header>

      {open.loading && (
        <div class="source-loading">
          <span class="spinner" /> {t("common.loading")}
        </div>
      )}
      {open.error && (
        <div class="note error" role="alert">
          <Icon name="alert" size={16} />
          <span>{open.error}</span>
        </div>
      )}

      {ocr && (
        <div class="note" data-testid="source-ocr-note">
          <Icon name="alert" size={16} />
          <span>{t("source.ocrHint")}</span>
        </div>
      )}

      {src && (
        <div class={`source-body ${src.isPdf && src.fileUrl ? "split" : ""}`}>
          {src.isPdf && src.fileUrl && !srcEnd && (
            <PdfPage key={`${src.fileUrl}#${src.page}`} fileUrl={src.fileUrl} page={src.page || 1} passage={mark || passage.text} scroll />
          )}
          {src.isPdf && src.fileUrl && srcEnd && (
            <div class="pdf-pages" data-testid="source-pdf-pages">
              <PdfPage key={`${src.fileUrl}#${src.page}`} fileUrl={src.fileUrl} page={src.page || 1} passage={mark || passage.text} scroll />
              <PdfPage key={`${src.fileUrl}#${srcEnd.page}`} fileUrl={src.fileUrl} page={srcEnd.page} passage={markEnd} scroll={false} />
            </div>
          )}
          <section class="source-text-wrap">
            <h3 class="section-label">{t("source.text")}</h3>
            <div class="source-text" ref={textRef} data-testid="source-text">
              {src.text === "" ? (
                <span class="muted">{t("source.empty")}</span>
              ) : (
                <>
                  {before}
                  {mark && <mark data-testid="source-highlight">{mark}</mark>}
                  {after}
                </>
              )}
              {srcEnd && (
                <>
                  <div class="page-break muted" data-testid="source-page-break">
                    {t("source.nextPage", { page: srcEnd.page })}
                  </div>
                  {markEnd && <mark data-testid="source-highlight">{markEnd}</mark>}
                  {afterEnd}
                </>
              )}
            </div>
          </section>
        </div>
      )}
    </aside>
  );
}

/**
 * One PDF page with the passage marked on it. With `scroll`, the mark is
 * scrolled into view: in the page's own box, or in the box of both pages
 * when the passage spans two (`.pdf-pages`).
 */
function PdfPage({ fileUrl, page, passage, scroll }: { fileUrl: string; page: number; passage: string; scroll: boolean }) {
  const { api } = useStores();
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [state, setState] = useState<{ loading: boolean; error: string; rects: Rect[] }>({ loading: true, error: "", rects: [] });

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(200, Math.floor(el.clientWidth - 24)));
    measure();
    const ro = new ResizeObserver(() => measure());
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (!width || !canvasRef.current) return;
    let cancelled = false;
    let cancelRender: (() => void) | null = null;
    setState((s) => ({ ...s, loading: true, error: "" }));
    const timer = setTimeout(async () => {
      try {
        const [pdf, src] = await Promise.all([import("../pdf/render"), api.fileSource(fileUrl)]);
        const doc = await pdf.openDocument(src);
        if (cancelled || !canvasRef.current) return;
        const r = await pdf.renderPage(doc, page, canvasRef.current, width, passage);
        cancelRender = r.cancel;
        if (cancelled) return r.cancel();
        await r.done;
        if (!cancelled) setState({ loading: false, error: "", rects: r.highlights });
      } catch (err) {
        if (!cancelled && (err as { name?: string })?.name !== "RenderingCancelledException") {
          setState({ loading: false, error: errorMessage(err), rects: [] });
        }
      }
    }, 60);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      cancelRender?.();
    };
  }, [fileUrl, page, width, passage]);

  // Scroll the marked passage on the page into view.
  useEffect(() => {
    const el = wrapRef.current;
    const first = state.rects[0];
    if (!el || !first || !scroll) return;
    const box = el.parentElement?.classList.contains("pdf-pages") ? el.parentElement : el;
    box.scrollTop = Math.max(0, el.offsetTop - box.offsetTop + first.top - box.clientHeight / 3);
  }, [state.rects, scroll]);

  return (
    <section class="pdf-wrap" ref={wrapRef}>
      {state.error ? (
        <div class="note error" data-testid="source-pdf-error">
          <Icon name="alert" size={16} />
          <span>{t("source.pdfFailed", { error: state.error })}</span>
        </div>
      ) : (
        <div class="pdf-page" style={state.loading ? { visibility: "hidden" } : undefined}>
          <canvas ref={canvasRef} data-testid="source-page-canvas" />
          {state.rects.map((r, i) => (
            <div key={i} class="pdf-mark" data-testid="source-page-highlight" style={{ left: r.left, top: r.top, width: r.width, height: r.height }} />
          ))}
        </div>
      )}
      {state.loading && !state.error && (
        <div class="pdf-loading muted">
          <span class="spinner" /> {t("source.rendering")}
        </div>
      )}
    </section>
  );
}
