// pdf.js, set up to fetch nothing from outside Kura: the worker is a bundled
// asset (Vite ?url), and CMaps (Japanese and Korean fonts that are not
// embedded), standard font data, wasm decoders and ICC profiles are served
// from dist/pdfjs/ (see vite.config.ts). Eval is off (the CSP forbids it).
// The legacy build runs in older system web views (WebKitGTK, WKWebView).
// This module is loaded on demand, the first time a PDF page is shown.

import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";
import workerUrl from "pdfjs-dist/legacy/build/pdf.worker.min.mjs?url";
import type { FileSource } from "../api";
import { exclusive } from "./exclusive";

pdfjs.GlobalWorkerOptions.workerSrc = workerUrl;

type PDFDocumentProxy = Awaited<ReturnType<typeof pdfjs.getDocument>["promise"]>;
type PDFPageProxy = Awaited<ReturnType<PDFDocumentProxy["getPage"]>>;

function assetUrl(dir: string): string {
  return new URL(`pdfjs/${dir}/`, document.baseURI).href;
}

/** The options every document is opened with; exported for the tests. */
export function documentOptions(src: FileSource) {
  return {
    ...src,
    cMapUrl: assetUrl("cmaps"),
    cMapPacked: true,
    standardFontDataUrl: assetUrl("standard_fonts"),
    wasmUrl: assetUrl("wasm"),
    iccUrl: assetUrl("iccs"),
    isEvalSupported: false,
    enableXfa: false,
    // Page by page, as asked: no background download of the whole file.
    disableAutoFetch: true,
  };
}

// The last document stays open: citations often point into the same file.
let cached: { key: string; doc: Promise<PDFDocumentProxy> } | null = null;

function sourceKey(src: FileSource): string {
  return "url" in src ? src.url : `data:${src.data.byteLength}`;
}

export function openDocument(src: FileSource): Promise<PDFDocumentProxy> {
  const key = sourceKey(src);
  if (cached?.key === key) return cached.doc;
  if (cached) void cached.doc.then((d) => d.destroy()).catch(() => {});
  const task = pdfjs.getDocument(documentOptions(src));
  cached = { key, doc: task.promise };
  task.promise.catch(() => {
    if (cached?.key === key) cached = null;
  });
  return task.promise;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Rendered {
  width: number;
  height: number;
  /** Boxes (CSS pixels) around the cited passage, found in the page's text. */
  highlights: Rect[];
  cancel: () => void;
  done: Promise<void>;
}

/**
 * Renders page `pageNumber` into `canvas` at `cssWidth` CSS pixels wide and
 * finds the boxes of `passage` in the page's own text (best effort: the
 * backend's extractor and pdf.js may break lines differently, so the match
 * ignores whitespace).
 */
export async function renderPage(
  doc: PDFDocumentProxy,
  pageNumber: number,
  canvas: HTMLCanvasElement,
  cssWidth: number,
  passage: string,
): Promise<Rendered> {
  let viewport!: Viewport;
  let page!: PDFPageProxy;
  // One render at a time on this canvas: a new one cancels the last and
  // waits for it to let go before it resizes the canvas.
  const task = await exclusive(canvas, async () => {
    page = await doc.getPage(Math.min(Math.max(1, pageNumber), doc.numPages));
    const base = page.getViewport({ scale: 1 });
    viewport = page.getViewport({ scale: cssWidth / base.width });
    const ratio = Math.min(window.devicePixelRatio || 1, 3);
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2D canvas");
    return page.render({
      canvas,
      canvasContext: ctx,
      viewport,
      transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
    });
  });
  const highlights = await findPassage(page, viewport, passage).catch(() => []);
  return {
    width: viewport.width,
    height: viewport.height,
    highlights,
    cancel: () => task.cancel(),
    done: task.promise,
  };
}

type Viewport = ReturnType<PDFPageProxy["getViewport"]>;

async function findPassage(page: PDFPageProxy, viewport: Viewport, passage: string): Promise<Rect[]> {
  const needle = squash(passage);
  if (needle.length < 2) return [];
  const content = await page.getTextContent();
  // The page's characters without whitespace, each pointing at its item.
  let hay = "";
  const owner: number[] = [];
  const offset: number[] = [];
  const items = content.items.filter((it): it is Extract<typeof it, { str: string }> => "str" in it);
  items.forEach((it, idx) => {
    let k = 0;
    for (const ch of it.str) {
      if (!/\s/.test(ch)) {
        const n = squash(ch);
        for (const c of n) {
          hay += c;
          owner.push(idx);
          offset.push(k);
        }
      }
      k++;
    }
  });
  const range = locate(hay, needle);
  if (!range) return [];
  const rects: Rect[] = [];
  const [from, to] = range;
  for (let i = owner[from]; i <= owner[to - 1]; i++) {
    const it = items[i];
    const len = [...it.str].length || 1;
    const a = i === owner[from] ? offset[from] / len : 0;
    const b = i === owner[to - 1] ? (offset[to - 1] + 1) / len : 1;
    const tx = pdfjs.Util.transform(viewport.transform, it.transform);
    const fontHeight = Math.hypot(tx[2], tx[3]);
    const width = it.width * viewport.scale;
    if (!(width > 0) || !(fontHeight > 0)) continue;
    rects.push({ left: tx[4] + width * a, top: tx[5] - fontHeight, width: width * (b - a), height: fontHeight * 1.15 });
  }
  return rects;
}

/** Lower-cased, NFKC, without whitespace: how both texts are compared. */
function squash(s: string): string {
  return s.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
}

/** Finds needle in hay; when the whole does not match, its head and tail. */
function locate(hay: string, needle: string): [number, number] | null {
  const at = hay.indexOf(needle);
  if (at >= 0) return [at, at + needle.length];
  const k = Math.min(16, Math.floor(needle.length / 2));
  const head = hay.indexOf(needle.slice(0, k));
  if (head < 0) return null;
  const tail = hay.indexOf(needle.slice(-k), head);
  if (tail < 0 || tail - head > needle.length * 2) return [head, head + k];
  return [head, tail + k];
}
