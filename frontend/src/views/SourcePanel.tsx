// The source panel: the cited evidence in its page. For a PDF the page itself
// is drawn with pdf.js (loaded on first use), zoomable, with the quoted
// sentence marked on it; the reader can turn pages and open the file in the
// system's viewer. Below, the stored page text: the passage the quote came
// from lightly marked, the quote itself strongly, and the words of the
// question underlined. A passage that runs across a page break is marked on
// both pages. Text recognised by OCR is labelled as such.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { isApiError, type Passage } from "../api";
import { Icon } from "../components/Icon";
import { t } from "../i18n";
import { errorMessage, pdfErrorText } from "../i18n/errors";
import { useStores } from "../stores";
import { isSection } from "../format/pages";
import { queryTerms, splitTerms } from "../text/highlight";
import { codePointToUtf16 } from "../text/offsets";
import type { Rect } from "../pdf/render";

/** A page text cut into the part before the passage, the passage before the quote, the quote, the passage after it, and the rest. */
export function evidenceParts(text: string, p: Pick<Passage, "start" | "end" | "passageStart" | "passageEnd">): [string, string, string, string, string] {
  const hasPassage = p.passageEnd > p.passageStart;
  const ps = hasPassage ? Math.min(p.passageStart, p.start) : p.start;
  const pe = hasPassage ? Math.max(p.passageEnd, p.end) : p.end;
  const [a, b, c, d] = [ps, p.start, p.end, pe].map((cp) => codePointToUtf16(text, cp));
  if (c <= b) return [text, "", "", "", ""];
  return [text.slice(0, a), text.slice(a, b), text.slice(b, c), text.slice(c, d), text.slice(d)];
}

const ZOOMS = [0.75, 1, 1.25, 1.5, 2, 2.5];

export function SourcePanel() {
  const { source, api, ui } = useStores();
  const open = source.open.value;
  const textRef = useRef<HTMLDivElement>(null);
  const panelRef = useRef<HTMLElement>(null);
  const [zoom, setZoom] = useState(1);
  const src = open?.source ?? null;
  const srcEnd = open?.sourceEnd ?? null;
  const passage = open?.passage;
  const onItsPage = !!src && !!passage && src.page === passage.page;
  const terms = open?.query ? queryTerms(open.query) : [];

  // A passage across a page break (srcEnd is its last page) is marked from
  // its start to the end of its first page, then from the top of the next
  // page to its end.
  const firstPage = srcEnd && passage ? { start: passage.start, end: Array.from(src?.text ?? "").length, passageStart: 0, passageEnd: 0 } : passage;
  const [before, pre, quote, post, after] =
    src && firstPage && onItsPage ? evidenceParts(src.text, firstPage) : [src?.text ?? "", "", "", "", ""];
  const [, , quoteEnd, , afterEnd] =
    srcEnd && passage ? evidenceParts(srcEnd.text, { start: 0, end: passage.end, passageStart: 0, passageEnd: 0 }) : ["", "", "", "", ""];
  const ocr = !!(src?.ocr || srcEnd?.ocr);

  // Bring the quote into view inside the text pane only.
  useLayoutEffect(() => {
    const box = textRef.current;
    const m = box?.querySelector("mark.quote");
    if (!box || !(m instanceof HTMLElement)) return;
    const top = m.offsetTop - box.offsetTop;
    box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }, [src, passage?.start, passage?.end, passage?.path]);

  useEffect(() => {
    if (open) panelRef.current?.focus({ preventScroll: true });
  }, [open?.passage.path, open?.passage.page]);

  if (!open || !passage) return null;

  const page = src?.page ?? open.page;
  const pages = src?.pages ?? 0;
  const end = srcEnd ? srcEnd.page : page;
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
  const marked = (s: string, hit: string) =>
    terms.length === 0
      ? s
      : splitTerms(s, terms).map((piece, i) =>
          piece.hit ? (
            <span key={i} class={hit} data-testid="source-term">
              {piece.text}
            </span>
          ) : (
            piece.text
          ),
        );
  const openExternal = async () => {
    try {
      await api.OpenFile(open.collection, passage.path);
    } catch (e) {
      if (isApiError(e, "no_dialogs") && src?.fileUrl) {
        const f = await api.fileSource(src.fileUrl);
        if ("url" in f) window.open(f.url, "_blank", "noopener");
      } else ui.toast("error", errorMessage(e));
    }
  };

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
            {open.also.length > 0 && (
              <div class="source-also muted" data-testid="source-also" title={open.also.map((a) => a.path).join("\n")}>
                {t("source.alsoIn", { names: open.also.map((a) => a.name).join(", ") })}
              </div>
            )}
          </div>
        </div>
        <div class="source-tools">
          {src?.isPdf && (
            <>
              <button class="icon-btn small" onClick={() => void source.turn(page - 1)} disabled={page <= 1} aria-label={t("source.prevPage")} title={t("source.prevPage")} data-testid="source-prev">
                <Icon name="left" size={16} />
              </button>
              <button class="icon-btn small" onClick={() => void source.turn(page + 1)} disabled={pages > 0 && page >= pages} aria-label={t("source.nextPage")} title={t("source.nextPage")} data-testid="source-next">
                <Icon name="chevron" size={16} />
              </button>
              <button class="icon-btn small" onClick={() => setZoom(ZOOMS[Math.max(0, ZOOMS.indexOf(zoom) - 1)])} disabled={zoom <= ZOOMS[0]} aria-label={t("source.zoomOut")} title={t("source.zoomOut")} data-testid="source-zoom-out">
                <Icon name="zoomOut" size={16} />
              </button>
              <button class="btn small ghost zoom-level" onClick={() => setZoom(1)} title={t("source.fit")} data-testid="source-zoom-fit">
                {Math.round(zoom * 100)}%
              </button>
              <button class="icon-btn small" onClick={() => setZoom(ZOOMS[Math.min(ZOOMS.length - 1, ZOOMS.indexOf(zoom) + 1)])} disabled={zoom >= ZOOMS[ZOOMS.length - 1]} aria-label={t("source.zoomIn")} title={t("source.zoomIn")} data-testid="source-zoom-in">
                <Icon name="zoomIn" size={16} />
              </button>
            </>
          )}
          <button class="icon-btn small" onClick={() => void openExternal()} aria-label={t("source.openExternal")} title={t("source.openExternal")} data-testid="source-open-external">
            <Icon name="external" size={16} />
          </button>
          <button class="icon-btn" onClick={source.close} aria-label={t("source.close")} title={`${t("source.close")} (Esc)`} data-testid="source-close">
            <Icon name="x" />
          </button>
        </div>
      </header>

      {open.loading && (
        <div class="source-loading">
          <span class="spinner" /> {t("common.loading")}
        </div>
      )}
      {open.error !== null && (
        <div class="note error" role="alert">
          <Icon name="alert" size={16} />
          <span>{errorMessage(open.error)}</span>
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
            <PdfPage key={`${src.fileUrl}#${src.page}`} fileUrl={src.fileUrl} page={src.page || 1} passage={onItsPage ? quote || passage.text : ""} zoom={zoom} scroll />
          )}
          {src.isPdf && src.fileUrl && srcEnd && (
            <div class="pdf-pages" data-testid="source-pdf-pages">
              <PdfPage key={`${src.fileUrl}#${src.page}`} fileUrl={src.fileUrl} page={src.page || 1} passage={quote || passage.text} zoom={zoom} scroll />
              <PdfPage key={`${src.fileUrl}#${srcEnd.page}`} fileUrl={src.fileUrl} page={srcEnd.page} passage={quoteEnd} zoom={zoom} scroll={false} />
            </div>
          )}
          <section class="source-text-wrap">
            <h3 class="section-label">{t("source.text")}</h3>
            {onItsPage && quote && <p class="source-legend muted">{t("source.legend")}</p>}
            <div class="source-text" ref={textRef} data-testid="source-text">
              {src.text === "" ? (
                <span class="muted">{t("source.empty")}</span>
              ) : (
                <>
                  {before}
                  {(pre || post) && <span class="passage">{marked(pre, "term")}</span>}
                  {quote && (
                    <mark class="quote" data-testid="source-highlight">
                      {marked(quote, "term")}
                    </mark>
                  )}
                  {(pre || post) && <span class="passage">{marked(post, "term")}</span>}
                  {after}
                </>
              )}
              {srcEnd && (
                <>
                  <div class="page-break muted" data-testid="source-page-break">
                    {t("source.continuedPage", { page: srcEnd.page })}
                  </div>
                  {quoteEnd && (
                    <mark class="quote" data-testid="source-highlight">
                      {marked(quoteEnd, "term")}
                    </mark>
                  )}
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
function PdfPage({ fileUrl, page, passage, zoom, scroll }: { fileUrl: string; page: number; passage: string; zoom: number; scroll: boolean }) {
  const { api } = useStores();
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [state, setState] = useState<{ loading: boolean; error: unknown; rects: Rect[] }>({ loading: true, error: null, rects: [] });

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
    setState((s) => ({ ...s, loading: true, error: null }));
    const timer = setTimeout(async () => {
      try {
        const [pdf, src] = await Promise.all([import("../pdf/render"), api.fileSource(fileUrl)]);
        const doc = await pdf.openDocument(src);
        if (cancelled || !canvasRef.current) return;
        const r = await pdf.renderPage(doc, page, canvasRef.current, Math.round(width * zoom), passage);
        cancelRender = r.cancel;
        if (cancelled) return r.cancel();
        await r.done;
        if (!cancelled) setState({ loading: false, error: null, rects: r.highlights });
      } catch (err) {
        if (!cancelled && (err as { name?: string })?.name !== "RenderingCancelledException") {
          setState({ loading: false, error: err, rects: [] });
        }
      }
    }, 60);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      cancelRender?.();
    };
  }, [fileUrl, page, width, passage, zoom]);

  // Scroll the marked sentence on the page into view.
  useEffect(() => {
    const el = wrapRef.current;
    const first = state.rects[0];
    if (!el || !first || !scroll) return;
    const box = el.parentElement?.classList.contains("pdf-pages") ? el.parentElement : el;
    box.scrollTop = Math.max(0, el.offsetTop - box.offsetTop + first.top - box.clientHeight / 3);
    el.scrollLeft = Math.max(0, first.left - el.clientWidth / 4);
  }, [state.rects, scroll]);

  return (
    <section class="pdf-wrap" ref={wrapRef}>
      {state.error !== null ? (
        <div class="note error" data-testid="source-pdf-error" title={state.error instanceof Error ? state.error.message : undefined}>
          <Icon name="alert" size={16} />
          <span>{t("source.pdfFailed", { error: pdfErrorText(state.error) })}</span>
        </div>
      ) : (
        <div class="pdf-page" style={state.loading ? { visibility: "hidden" } : undefined} data-zoom={zoom}>
          <canvas ref={canvasRef} data-testid="source-page-canvas" />
          {state.rects.map((r, i) => (
            <div key={i} class="pdf-mark" data-testid="source-page-highlight" style={{ left: r.left, top: r.top, width: r.width, height: r.height }} />
          ))}
        </div>
      )}
      {state.loading && state.error === null && (
        <div class="pdf-loading muted">
          <span class="spinner" /> {t("source.rendering")}
        </div>
      )}
    </section>
  );
}
