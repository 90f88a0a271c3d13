// End-to-end run of the Kura UI in Debian's Chromium, driven by
// playwright-core, against a running `kura serve` on an empty data folder
// and a real Ollama with no model installed (both started by
// internal/e2e/e2e_test.go; run it through `make test-e2e`): the offline
// first run, then the daily use, in English and in Japanese.
//
// Environment:
//   BASE_URL        the page `kura serve` serves, e.g. http://127.0.0.1:8765
//   TOKEN           the token `kura serve` printed with its address (it makes one at each start)
//   MODELS_DIR      a folder of GGUF files to import the models from (a USB stick)
//   CORPUS_DIR      a folder of documents to add (a copy of the shared text corpus, each file cut to
//                   12 KiB: five files; the run adds a file to it and deletes it again, to see the
//                   folder watched)
//   PDF_PATH        a PDF to add, ask within and open on its page
//   LOCKED_PDF      a password-protected PDF (it must fail with a remedy)
//   SCREENSHOT_DIR  where the PNG screenshots go (docs/screenshots)
//   EXPECT_ANSWER   the answer the chat model gives to anything (optional)
//   CHROMIUM        the browser (default /usr/bin/chromium); never downloaded
//
// Every step logs a line with the time since the start; a failing step logs
// why, saves a screenshot of the page to the temporary folder and exits 1.
// Waits poll the page until a condition holds; there are no fixed sleeps.
// Waits for work (indexing, an answer) are tied to the events the UI
// receives: their time limit counts from the last sign of progress on the
// page (a job's progress, an answer token), under a generous ceiling, so a
// busy machine makes them slower, not failed. Waits for the page's own
// reactions get a limit that holds on a loaded machine.

import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (!v) {
    console.error(`e2e: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const BASE_URL = env("BASE_URL").replace(/\/$/, "");
const TOKEN = process.env.TOKEN ?? "";
const CORPUS_DIR = env("CORPUS_DIR");
const PDF_PATH = env("PDF_PATH");
const LOCKED_PDF = env("LOCKED_PDF");
const MODELS_DIR = env("MODELS_DIR");
const SCREENSHOT_DIR = env("SCREENSHOT_DIR");
const CHROMIUM = env("CHROMIUM", "/usr/bin/chromium");
const EXPECT_ANSWER = process.env.EXPECT_ANSWER ?? "";
const CORPUS_FILES = 5;
const QUESTION = "誤差範囲はどのくらいですか";
const PDF_QUESTION = "オープンソースAIの未来はどうなりますか";
const PDF_QUERY = "オープンソースAI";

/**
 * How long a wait for the page's own reaction goes on: a ceiling that only
 * stops a hang (STYLE practice 19), since a busy machine or a slow first
 * render can take tens of seconds. Every such wait uses it.
 */
const WAIT_MS = 120_000;
/** How long indexing or an answer may show no progress at all (the first answer token waits for the model to read the prompt). */
const STALL_MS = 120_000;
/** The most indexing or an answer may take in all. */
const WORK_CEILING_MS = 480_000;

// ---------------------------------------------------------------- logging

const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
const log = (msg) => console.log(`[e2e ${since()}] ${msg}`);
let currentStep = "";

async function step(name, fn) {
  currentStep = name;
  const start = Date.now();
  log(`▶ ${name}`);
  await fn();
  log(`✓ ${name} (${((Date.now() - start) / 1000).toFixed(1)}s)`);
}

// ---------------------------------------------------------------- waiting

/**
 * Polls `probe` until it returns a truthy value (which it returns) or
 * `timeout` ms pass; then throws with `what` and the last value or error.
 */
async function until(what, probe, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e instanceof Error ? e.message.split("\n")[0] : e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting until ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, delay)); // the polling interval, not an assertion
  }
}

/**
 * Waits, like until, for work the UI reports on: `progress` returns what
 * the page shows of the work's events (a job's counters and elapsed time,
 * the streamed answer); the wait fails only when that has not changed for
 * `stall` ms, or after `ceiling` ms in all.
 */
async function untilProgressing(what, probe, progress, stall = STALL_MS, ceiling = WORK_CEILING_MS) {
  const start = Date.now();
  let lastSeen;
  let lastChange = start;
  let last;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e instanceof Error ? e.message.split("\n")[0] : e;
    }
    const seen = await progress().catch(() => lastSeen);
    const now = Date.now();
    if (seen !== lastSeen) {
      lastSeen = seen;
      lastChange = now;
    }
    if (now - lastChange > stall) throw new Error(`no progress for ${stall} ms waiting until ${what} (last progress: ${JSON.stringify(lastSeen)}; last: ${JSON.stringify(last)})`);
    if (now - start > ceiling) throw new Error(`still waiting after ${ceiling} ms until ${what}, though it progressed (last progress: ${JSON.stringify(lastSeen)})`);
    await new Promise((r) => setTimeout(r, delay)); // the polling interval, not an assertion
  }
}

const byId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function visible(locator, what, timeout = WAIT_MS) {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
  } catch {
    throw new Error(`timed out after ${timeout} ms waiting until ${what} is visible`);
  }
  return locator.first();
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Failed checks that let the run go on (so later steps still run); the run fails at the end. */
const softFailures = [];

/** Like until, but a timeout is recorded as a failure and the step goes on. */
async function untilSoft(what, probe, timeout = WAIT_MS) {
  try {
    return await until(what, probe, timeout);
  } catch (e) {
    softFailures.push(`${currentStep}: ${e.message}`);
    log(`  ✗ ${e.message} (going on; the run will fail)`);
    return undefined;
  }
}

// ---------------------------------------------------------------- the page

/**
 * A screenshot of the viewport (1280x800) once fonts are in, without the
 * passing info and success toasts. An error toast fails the step.
 */
async function shot(page, name) {
  const errors = await byId(page, "toast-error").allInnerTexts();
  check(errors.length === 0, `the page shows an error: ${errors.join("; ")}`);
  const toasts = page.locator('[data-testid="toast-info"] button, [data-testid="toast-success"] button');
  for (let n = await toasts.count(); n > 0; n = await toasts.count()) await toasts.first().click();
  await page.mouse.move(1, 1); // no hover effect where the last click was
  await page.evaluate(() => document.fonts.ready.then(() => true));
  const path = join(SCREENSHOT_DIR, name);
  await page.screenshot({ path, animations: "disabled", caret: "hide" });
  log(`  screenshot ${path}`);
}

/**
 * Records in the page, with a MutationObserver, what a poll from here could
 * miss on a fast machine: every job-progress bar that appeared and every
 * text the streaming answer showed. Read back with readRecorder.
 */
async function startRecorder(page) {
  await page.evaluate(() => {
    const rec = { progress: [], facts: [], stream: [], sourcesBeforeText: false, sourcesSeen: false, reading: [] };
    const sample = () => {
      for (const bar of document.querySelectorAll('[data-testid="job-progress"]')) {
        const card = bar.closest('[data-testid="job-card"]');
        const entry = `${card?.dataset.jobId}:${card?.dataset.state}:${bar.getAttribute("aria-valuenow") ?? "?"}`;
        if (rec.progress.at(-1) !== entry) rec.progress.push(entry);
      }
      for (const f of document.querySelectorAll('[data-testid="job-facts"]')) {
        const text = (f.textContent ?? "").trim();
        if (text && !rec.facts.includes(text)) rec.facts.push(text);
      }
      const live = document.querySelector('[data-testid="message-assistant"][data-streaming="true"]');
      const streaming = live?.querySelector(".rich");
      const text = streaming?.textContent ?? "";
      if (live?.querySelector('[data-testid="answer-sources"]') && !rec.sourcesSeen) {
        rec.sourcesSeen = true;
        rec.sourcesBeforeText = text === "";
      }
      const reading = live?.querySelector('[data-testid="answer-reading"]')?.textContent?.trim();
      if (reading && rec.reading.at(-1) !== reading) rec.reading.push(reading);
      if (streaming && rec.stream.at(-1) !== text) rec.stream.push(text);
    };
    const obs = new MutationObserver(sample);
    obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    window.__kuraE2E = rec;
    sample();
  });
}

const readRecorder = (page) => page.evaluate(() => window.__kuraE2E);

/** Share of a canvas's pixels that are neither white nor transparent. */
function inkOf(locator) {
  return locator.evaluate((canvas) => {
    if (!(canvas instanceof HTMLCanvasElement) || canvas.width === 0 || canvas.height === 0) return 0;
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) ink++;
    }
    return ink / (data.length / 4);
  });
}

/** Adds a folder or file through the path field and waits for its job to finish. */
async function addPath(page, path) {
  const before = new Set(await byId(page, "job-card").evaluateAll((cards) => cards.map((c) => c.dataset.jobId)));
  await byId(page, "add-path-input").fill(path);
  await byId(page, "add-path-submit").click();
  const id = await until(
    `a new job card appears for ${path}`,
    async () => (await byId(page, "job-card").evaluateAll((cards) => cards.map((c) => c.dataset.jobId))).find((x) => !before.has(x)),
  );
  log(`  job ${id} started`);
  const card = page.locator(`[data-testid="job-card"][data-job-id="${id}"]`);
  // Every job:progress event changes the card: its counters, its current
  // file, its elapsed time.
  const shown = () => card.evaluate((el) => `${el.dataset.state}|${el.querySelector('[data-testid="job-progress"]')?.getAttribute("aria-valuenow") ?? ""}|${el.textContent}`);
  const state = await untilProgressing(`job ${id} ends`, async () => {
    const s = await card.getAttribute("data-state");
    return s === "running" || s === "paused" ? null : s;
  }, shown);
  const summary = (await card.locator('[data-testid="job-done"]').innerText()).replace(/\s+/g, " ").trim();
  log(`  job ${id} ${state}: ${summary}`);
  check(state === "done", `job ${id} ended ${state}, want done: ${summary}`);
  await visible(card.locator('[data-testid="job-done"]'), `job ${id}'s job-done summary`);
  return { id, card };
}

async function openCollection(page, name) {
  const item = page.locator(`[data-testid="collection-item"][data-name="${name}"]`);
  await item.locator(".collection-open").click();
  await until(`collection ${name} is selected`, async () => (await item.getAttribute("class"))?.includes("active"));
}

/** Waits until the PDF page in the source panel is drawn, with the quote marked on it. */
async function pageDrawn(page) {
  await until("the PDF page is drawn with the quote marked on it", async () =>
    (await page.locator(".pdf-loading").count()) === 0 && (await byId(page, "source-page-highlight").count()) > 0 && (await inkOf(byId(page, "source-page-canvas"))) > 0.002);
}

/** Switches the interface language in Settings and comes back to `view`. */
async function language(page, lang, view) {
  await byId(page, "nav-settings").click();
  const select = await visible(byId(page, "lang-select"), "the language select");
  await select.selectOption(lang);
  const want = { en: "Chat", ja: "チャット" }[lang];
  await until(`the navigation is in ${lang}`, async () => (await byId(page, "nav-chat").innerText()).trim() === want);
  await byId(page, `nav-${view}`).click();
}

/** Words of the English dictionary that must never show in a Japanese page (errors and remedies). */
async function englishErrorsShown(page) {
  return page.evaluate(() => {
    const body = document.body.innerText;
    const english = [
      "is not installed", "not reachable", "does not exist", "cannot read", "protected by a password", "Something went wrong",
      "must be between", "Keyword search ready", "Reading ", "not measured yet",
    ];
    return english.filter((w) => body.includes(w));
  });
}

/** Asks a question in the open conversation and waits for the complete answer; returns the answer's locator. */
async function ask(page, question) {
  const before = await page.locator('[data-testid="message-assistant"][data-complete="true"]').count();
  await startRecorder(page);
  const input = await visible(byId(page, "chat-input"), "the chat input");
  await input.fill(question);
  await byId(page, "chat-send").click();
  await visible(byId(page, "message-user").filter({ hasText: question }), "the question in the conversation");
  // Each answer:sources and answer:token event changes the conversation.
  const streamed = () => page.evaluate(() => document.querySelector('[data-testid="messages"]')?.textContent ?? document.body.textContent);
  await untilProgressing("the answer is complete", async () => (await page.locator('[data-testid="message-assistant"][data-complete="true"]').count()) > before, streamed);
  const answer = page.locator('[data-testid="message-assistant"][data-complete="true"]').last();
  const text = (await answer.locator(".rich").innerText()).trim();
  log(`  answer: ${JSON.stringify(text)}`);
  if (EXPECT_ANSWER) check(text === EXPECT_ANSWER, `the answer is ${JSON.stringify(text)}, want ${JSON.stringify(EXPECT_ANSWER)}`);
  check((await byId(page, "message-error").count()) === 0, "the answer shows an error");
  const rec = await readRecorder(page);
  log(`  quotes before the first token: ${rec.sourcesBeforeText}; reading lines: ${JSON.stringify(rec.reading)}; texts seen: ${rec.stream.filter(Boolean).length}`);
  check(rec.sourcesSeen && rec.sourcesBeforeText, "the quotes the model reads did not show before the answer's first word");
  const seen = rec.stream.filter((x) => x !== "");
  check(seen.length >= 2, `the answer did not grow while streaming: texts seen ${JSON.stringify(rec.stream)}`);
  for (let i = 1; i < seen.length; i++) {
    check(seen[i].length > seen[i - 1].length && seen[i].startsWith(seen[i - 1]), `streamed text did not grow: ${JSON.stringify(seen[i - 1])} then ${JSON.stringify(seen[i])}`);
  }
  return answer;
}

// ---------------------------------------------------------------- the run

async function run(page) {
  const pageErrors = [];
  page.on("pageerror", (e) => {
    pageErrors.push(e.message);
    log(`  page error: ${e.message}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") log(`  console ${m.type()}: ${m.text()}`);
  });
  page.on("requestfailed", (r) => {
    // An EventSource torn down by a reload or the end of the run is not a failure.
    if (!r.url().includes("/api/events")) log(`  request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });

  await step("open the app on an empty data folder: the first-run steps, not an empty chat", async () => {
    await page.goto(BASE_URL + "/" + (TOKEN ? `?token=${encodeURIComponent(TOKEN)}` : ""));
    await visible(byId(page, "nav-chat"), "the navigation (the app booted)");
    check((await byId(page, "boot-error").count()) === 0, "the app failed to boot");
    const label = (await byId(page, "nav-chat").innerText()).trim();
    check(label === "Chat", `nav-chat reads ${JSON.stringify(label)}, want "Chat" (English UI)`);
    await visible(byId(page, "get-started"), "the first-run steps");
    check((await byId(page, "example-chip").count()) === 0, "question chips show over an empty library");
    check((await byId(page, "start-models").getAttribute("data-done")) === "false", "step 1 (models) is done before any model was imported");
    const words = await byId(page, "get-started").innerText();
    check(!/kura (models|pull|serve)/i.test(words), `the first-run steps name a CLI command: ${words}`);
    await shot(page, "first-run.png");
    await language(page, "ja", "chat");
    await visible(byId(page, "get-started"), "the first-run steps in Japanese");
    await shot(page, "first-run-ja.png");
    await language(page, "en", "chat");
  });

  await step("import every model of a folder in one step; the only chat and embedding models are used", async () => {
    await byId(page, "start-model-folder").fill(MODELS_DIR);
    await byId(page, "start-import").click();
    // The import's card shows under the step while it runs (the tiny models
    // take a moment); the step is done when the models are in use.
    const importShown = () => byId(page, "start-models").evaluate((el) => el.textContent);
    await untilProgressing("step 1 says the models are ready", async () => (await byId(page, "start-models").getAttribute("data-done")) === "true", importShown);
    const ready = (await byId(page, "start-models-ready").innerText()).trim();
    log(`  ${ready}`);
    check(/kura-chat-q8_0/.test(ready) && /kura-embed-f16/.test(ready), `step 1 does not name the imported models: ${ready}`);
  });

  await step("Settings: shorter passages, for the tiny test embedding model", async () => {
    // The tiny model reads every byte as a token: at the default size a
    // Japanese passage is some 2,400 tokens, which it embeds at 0.4 a
    // second on two cores. Real models read a Japanese character as about
    // one token.
    await byId(page, "nav-settings").click();
    await (await visible(byId(page, "settings-chunk-size"), "the passage size")).fill("150");
    await byId(page, "settings-chunk-overlap").fill("0");
    await byId(page, "settings-save").click();
    await visible(byId(page, "toast-success"), "the settings saved");
    await byId(page, "nav-chat").click();
  });

  await step("Library: add the corpus folder, a PDF and a password-protected PDF; the job ticks phase by phase", async () => {
    await byId(page, "start-open-library").click();
    await visible(byId(page, "add-path-input"), "the path field");
    check((await page.locator('[data-testid="collection-item"][data-name="default"]').count()) === 1, "the default collection is not listed on a first run");
    await startRecorder(page);
    const { card } = await addPath(page, CORPUS_DIR);
    const rec = await readRecorder(page);
    log(`  phases seen: ${rec.facts.join(" | ")}`);
    check(rec.progress.length > 0, "no job-progress bar appeared while the job ran");
    check(rec.facts.some((f) => /Reading \d+\/\d+ files/.test(f)) || rec.facts.some((f) => /Keyword search ready/.test(f)), `the job card never said what it read: ${JSON.stringify(rec.facts)}`);
    check(!rec.facts.some((f) => /^0 of \d+ files$/.test(f)), "the job card showed a frozen 0 of N files");
    await card.scrollIntoViewIfNeeded();
    await addPath(page, PDF_PATH);
    await addPath(page, LOCKED_PDF); // done, with the file listed as failed
    await until(`${CORPUS_FILES + 1} documents are listed as indexed`, async () => {
      const statuses = await byId(page, "doc-row").evaluateAll((rows) => rows.map((r) => r.dataset.status));
      return statuses.filter((s) => s === "indexed").length === CORPUS_FILES + 1 && statuses;
    });
    const locked = page.locator(`[data-testid="doc-row"][data-path="${LOCKED_PDF}"]`);
    const why = await visible(locked.locator('[data-testid="doc-error"]'), "why the locked PDF could not be read");
    check((await why.getAttribute("data-code")) === "encrypted", `the locked PDF's error code is ${await why.getAttribute("data-code")}, want encrypted`);
    const words = (await why.innerText()).trim();
    log(`  locked PDF: ${words}`);
    check(/password/.test(words) && /copy/.test(words), `the locked PDF's error gives no remedy: ${words}`);
    // This collection's answers use 4 passages instead of the 6 of Settings.
    await byId(page, "collection-answer-open").click();
    await (await visible(byId(page, "collection-answer-topk"), "the collection's answer settings")).fill("4");
    await byId(page, "collection-answer-save").click();
    await visible(byId(page, "toast-success"), "the collection's answer settings saved");
    await untilProgressing("the collection's vectors are all done", async () => {
      const e = page.locator('[data-testid="collection-item"][data-name="default"] [data-testid="collection-embed"]');
      return (await e.count()) === 1 && (await e.getAttribute("data-state")) === "done" && (await e.innerText());
    }, () => page.locator('[data-testid="collection-item"][data-name="default"]').evaluate((el) => el.textContent)).then((line) => log(`  vectors: ${line}`));
    await shot(page, "library.png");
  });

  await step(`Chat: ask ${QUESTION}; the quotes show before the first word`, async () => {
    await byId(page, "nav-chat").click();
    await visible(byId(page, "chat-input"), "the chat input");
    check((await byId(page, "get-started").count()) === 0, "the first-run steps still show with models and documents");
    await visible(byId(page, "example-chip"), "the question chips, now that there are documents");
    const answer = await ask(page, QUESTION);
    const quoted = await answer.locator('[data-testid="message-sources"] [data-testid="source-chip"]').count();
    check(quoted >= 1 && quoted <= 4, `the answer cites ${quoted} sources; the collection's settings allow 4 passages`);
    await until("the Stop button gives way to Send", async () => (await byId(page, "chat-stop").count()) === 0 && (await byId(page, "chat-send").count()) === 1);
  });

  await step("Chat: restrict a question to the PDF with an @-mention; open its supporting sentence on the PDF page", async () => {
    const input = byId(page, "chat-input");
    await input.click();
    await page.keyboard.type("@003");
    const item = await visible(page.locator(`[data-testid="mention-item"][data-path="${PDF_PATH}"]`), "the PDF in the @-mention list");
    // The list's entries are styled, not browser-default buttons with borders.
    const border = await item.evaluate((el) => getComputedStyle(el).borderTopWidth);
    check(border === "0px", `the @-mention entries have the browser's default button border (${border})`);
    await item.dispatchEvent("mousedown");
    await visible(page.locator(`[data-testid="scope-bar"] [data-testid="scope-chip"][data-path="${PDF_PATH}"]`), "the PDF in the scope bar");
    check(!(await input.inputValue()).includes("@"), "the @-mention stayed in the question");
    const answer = await ask(page, PDF_QUESTION);
    await visible(page.locator('[data-testid="message-user"]').last().locator(`[data-testid="scope-chip"][data-path="${PDF_PATH}"]`), "the question marked as asked within the PDF");
    const chips = answer.locator('[data-testid="message-sources"] [data-testid="source-chip"]');
    await visible(chips, "a source chip under the answer");
    const names = await chips.locator(".source-chip-name").allInnerTexts();
    log(`  sources: ${names.join(", ")}`);
    check(names.length > 0 && names.every((n) => n === basename(PDF_PATH)), `a question within the PDF cites other files: ${names.join(", ")}`);
    await chips.first().click();
    await visible(byId(page, "source-panel"), "the source panel");
    const canvas = await visible(byId(page, "source-page-canvas"), "the rendered PDF page");
    const ink = await until("the PDF page is drawn (non-blank canvas)", async () => {
      if ((await byId(page, "source-pdf-error").count()) > 0) throw new Error(await byId(page, "source-pdf-error").innerText());
      const v = await inkOf(canvas);
      return v > 0.002 && v;
    });
    const quote = (await (await visible(byId(page, "source-highlight"), "the quoted sentence in the page text")).innerText()).trim();
    const marks = await until("the quoted sentence is marked on the PDF page", async () => (await byId(page, "source-page-highlight").count()) || null);
    const label = (await byId(page, "source-page").innerText()).trim();
    log(`  ${label}; ${(ink * 100).toFixed(1)}% inked; ${marks} marks; quote ${JSON.stringify(quote.slice(0, 40))}…`);
    check(quote.length > 0 && quote.length < 400, `the highlight is not a sentence but ${quote.length} characters`);
    const before = await canvas.evaluate((c) => c.width);
    await byId(page, "source-zoom-in").click();
    await until("zooming in draws the page larger", async () => (await canvas.evaluate((c) => c.width)) > before);
    await byId(page, "source-zoom-fit").click();
    await pageDrawn(page);
    await shot(page, "source-pdf.png");
    // Turning the page: away from the cited page and back to it.
    const pageLabel = async () => (await byId(page, "source-page").innerText()).trim();
    const away = (await byId(page, "source-prev").isDisabled()) ? "source-next" : "source-prev";
    await byId(page, away).click();
    await until("turning the page shows another page, drawn", async () =>
      (await pageLabel()) !== label && (await page.locator(".pdf-loading").count()) === 0 && (await inkOf(byId(page, "source-page-canvas"))) > 0.002);
    log(`  turned to ${await pageLabel()}`);
    await byId(page, away === "source-next" ? "source-prev" : "source-next").click();
    await until("turning back shows the cited page again", async () => (await pageLabel()) === label);
    await pageDrawn(page);
  });

  await step("Chat: export the conversation as Markdown with its citations", async () => {
    await byId(page, "source-close").click();
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: WAIT_MS }), byId(page, "chat-export").click()]);
    const path = join(await mkdtemp(join(tmpdir(), "kura-e2e-export-")), download.suggestedFilename());
    await download.saveAs(path);
    const md = await readFile(path, "utf8");
    log(`  ${download.suggestedFilename()}: ${md.length} characters`);
    check(md.startsWith("# "), "the export has no title");
    check(md.includes(QUESTION) && md.includes(PDF_QUESTION), "the export lacks a question");
    check(md.includes("**Sources**") && /- \[1\] /.test(md) && md.includes(basename(PDF_PATH)), `the export lacks its citations:\n${md.slice(0, 600)}`);
    check(md.includes("Asked within: " + basename(PDF_PATH)), "the export does not say the second question was asked within the PDF");
    await shot(page, "chat.png");
  });

  await step("Shortcuts: ? lists them, Alt+2 opens the Library, Ctrl+Shift+O starts a new chat", async () => {
    await page.locator("body").click({ position: { x: 600, y: 300 } }).catch(() => {});
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.keyboard.press("Shift+Slash");
    await visible(byId(page, "shortcuts-dialog"), "the shortcuts dialog");
    await shot(page, "shortcuts.png");
    await page.keyboard.press("Escape");
    await until("the shortcuts dialog closed", async () => (await byId(page, "shortcuts-dialog").count()) === 0);
    await page.keyboard.press("Alt+2");
    await visible(byId(page, "add-path-input"), "the Library after Alt+2");
    await page.keyboard.press("Control+Shift+O");
    await until("a new, untitled conversation is open", async () => (await byId(page, "messages").count()) === 0 && (await byId(page, "chat-input").count()) === 1, WAIT_MS);
    await page.keyboard.press("Alt+1");
  });

  await step(`Search (Ctrl+K) ${PDF_QUERY}: the query's words marked, the same passage listed once`, async () => {
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.keyboard.press("Control+K");
    const input = byId(page, "search-input");
    await until("Ctrl+K focuses the search box", () => input.evaluate((el) => el === document.activeElement));
    await page.keyboard.type(PDF_QUERY);
    await visible(byId(page, "search-result"), "a search result");
    const marked = await page.locator('[data-testid="search-result"] .search-text mark').count();
    const also = await byId(page, "search-also").count();
    log(`  ${await byId(page, "search-result").count()} results, ${marked} words marked, ${also} with the same passage elsewhere`);
    check(marked > 0, "the search results mark none of the query's words");
    const panel = await byId(page, "search-results").innerText();
    check(!/Score \d/.test(panel), "the search results show fusion scores, which mean nothing to a reader");
    const mode = (await byId(page, "search-mode").innerText()).trim();
    log(`  mode: ${mode} (${await byId(page, "search-mode").getAttribute("title")})`);
    check(mode === "Hybrid", `every passage has its vector, yet the search says ${JSON.stringify(mode)}`);
    // The corpus holds the same report as PDF, DOCX and text: its passages
    // are listed once, with the other files named under them.
    check(also > 0, "no search result names the same passage in another file: duplicates are listed apart");
    await input.fill("");
    await input.blur();
  });

  await step("Models: the recommendations and the speeds measured here", async () => {
    await byId(page, "nav-models").click();
    await visible(page.locator('[data-testid="runtime-reachable"][data-reachable="true"]'), "the runtime marked reachable");
    await visible(page.locator('[data-testid="model-row"][data-name^="kura-chat-q8_0"] [data-testid="model-default-chat"]'), "the imported chat model, in use");
    await visible(page.locator('[data-testid="model-row"][data-name^="kura-embed-f16"] [data-testid="model-default-embed"]'), "the imported embedding model, in use");
    check((await byId(page, "recommendation").count()) >= 4, "fewer than four recommended models");
    const imported = page.locator('[data-testid="job-card"][data-kind="import"]');
    check((await imported.getAttribute("data-state")) === "done", `the folder import ended ${await imported.getAttribute("data-state")}`);
    const chosen = await imported.locator('[data-testid="job-chosen"]').allInnerTexts();
    log(`  the import: ${(await imported.locator('[data-testid="job-installed"]').innerText()).replace(/\s+/g, " ")}`);
    check(chosen.length === 2, `the import card does not say both models are used: ${chosen.join(" | ")}`);
    const speeds = await byId(page, "model-speed").allInnerTexts();
    log(`  speeds: ${speeds.join(" | ")}`);
    check(speeds.some((s) => /Reads [\d.,]+ tokens\/s/.test(s)) && speeds.some((s) => /Embeds [\d.,]+ passages\/s/.test(s)), `the measured speeds are not shown: ${speeds.join(" | ")}`);
    check((await byId(page, "recommendation-speed").allInnerTexts()).every((s) => /not measured yet/.test(s)), "a model never used shows a speed");
    // Deleting the model that writes the answers first says what stops working; cancelling keeps it.
    await page.locator('[data-testid="model-row"][data-name^="kura-chat-q8_0"] [data-testid="model-delete"]').click();
    const warning = await visible(byId(page, "confirm-dialog"), "the confirmation before deleting the chat model in use");
    const said = (await warning.innerText()).replace(/\s+/g, " ");
    check(/writes the answers/.test(said) && /answers stop/.test(said), `deleting the chat model in use does not say what stops working: ${said}`);
    await byId(page, "confirm-cancel").click();
    await until("the confirmation closed", async () => (await byId(page, "confirm-dialog").count()) === 0);
    await visible(page.locator('[data-testid="model-row"][data-name^="kura-chat-q8_0"] [data-testid="model-default-chat"]'), "the chat model kept after cancelling");
    await byId(page, "recommended").evaluate((el) => el.scrollIntoView({ block: "start" }));
    await shot(page, "models.png");
  });

  await step("Settings: the time to the first word, with its range", async () => {
    await byId(page, "nav-settings").click();
    const field = await visible(byId(page, "settings-first-token"), "the first-token field");
    check((await field.inputValue()) === "20", `the first-token target is ${await field.inputValue()}, want the default 20`);
    const range = (await byId(page, "range-firstTokenSeconds").innerText()).trim();
    check(range === "From 3 to 300.", `the range says ${JSON.stringify(range)}`);
    await field.fill("1");
    await byId(page, "settings-save").click();
    await until("the field says its range in red", async () => (await byId(page, "range-firstTokenSeconds").getAttribute("class"))?.includes("error-text"));
    const toast = page.locator('[data-testid="toast-error"]');
    const saveBox = await byId(page, "settings-save").boundingBox();
    const toastBox = await toast.first().boundingBox();
    check(!!saveBox && !!toastBox && (toastBox.y + toastBox.height <= saveBox.y || toastBox.y >= saveBox.y + saveBox.height || toastBox.x + toastBox.width <= saveBox.x), "the toast covers Save");
    await toast.first().locator("button").click();
    await field.fill("30");
    await byId(page, "settings-save").click();
    await visible(byId(page, "toast-success"), "the settings saved");
    await shot(page, "settings.png");
  });

  await step("Japanese: every view, with no English error on screen", async () => {
    await language(page, "ja", "chat");
    const conv = page.locator('[data-testid="conv-item"]').filter({ hasText: QUESTION.slice(0, 6) });
    await conv.first().locator(".conv-open").click();
    const answer = page.locator('[data-testid="message-assistant"][data-complete="true"]').last();
    await visible(answer, "the saved answer");
    await answer.locator('[data-testid="source-chip"]').first().click();
    await visible(byId(page, "source-highlight"), "the highlighted quote");
    await visible(byId(page, "source-page-canvas"), "the PDF page");
    await pageDrawn(page);
    await shot(page, "source-pdf-ja.png");
    await byId(page, "source-close").click();
    await shot(page, "chat-ja.png");
    for (const [view, file] of [["library", "library-ja.png"], ["models", "models-ja.png"], ["settings", "settings-ja.png"]]) {
      await byId(page, `nav-${view}`).click();
      await page.waitForLoadState("networkidle").catch(() => {});
      if (view === "library") await visible(page.locator(`[data-testid="doc-row"][data-path="${LOCKED_PDF}"] [data-testid="doc-error"]`), "the locked PDF's reason");
      if (view === "models") {
        await visible(byId(page, "recommendation"), "the recommendations");
        await byId(page, "recommended").evaluate((el) => el.scrollIntoView({ block: "start" }));
      }
      const english = await englishErrorsShown(page);
      check(english.length === 0, `the Japanese ${view} view shows English: ${english.join(", ")}`);
      await shot(page, file);
    }
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.keyboard.press("Shift+Slash");
    await visible(byId(page, "shortcuts-dialog"), "the shortcuts dialog in Japanese");
    const english = await englishErrorsShown(page);
    check(english.length === 0, `the Japanese shortcuts dialog shows English: ${english.join(", ")}`);
    await shot(page, "shortcuts-ja.png");
    await page.keyboard.press("Escape");
    await until("the shortcuts dialog closed", async () => (await byId(page, "shortcuts-dialog").count()) === 0);
    await language(page, "en", "library");
  });

  await step("Library: remove a document", async () => {
    await openCollection(page, "default");
    const row = page.locator(`[data-testid="doc-row"][data-path="${LOCKED_PDF}"]`);
    await row.locator('[data-testid="doc-remove"]').click();
    await visible(byId(page, "confirm-dialog"), "the confirmation dialog");
    await byId(page, "confirm-ok").click();
    await until(`${basename(LOCKED_PDF)} is gone from the list`, async () => (await row.count()) === 0);
    await visible(byId(page, "toast-success"), "the removal's toast");
  });

  await step("Library: the pack export form, one field per line", async () => {
    await openCollection(page, "default");
    await (await visible(byId(page, "pack-export-open"), "the pack export button")).click();
    const form = await visible(byId(page, "pack-export-form"), "the pack export form");
    const boxes = await form.locator("label.check, [data-testid=pack-pass], [data-testid=pack-pass2]").evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return { top: Math.round(r.top), bottom: Math.round(r.bottom) };
      }),
    );
    check(boxes.length === 4, `the export form has ${boxes.length} of its two checks and two passphrase fields`);
    for (let i = 1; i < boxes.length; i++) {
      check(boxes[i].top >= boxes[i - 1].bottom, `the export form's fields share a line: ${JSON.stringify(boxes)}`);
    }
    await form.evaluate((el) => el.scrollIntoView({ block: "center" }));
    await page.screenshot({ path: join(tmpdir(), "kura-e2e-pack-export.png") });
    await byId(page, "pack-export-open").click();
  });

  await step("Library: the corpus folder is watched: a file added to it, then deleted, comes and goes without a click", async () => {
    await openCollection(page, "default");
    const folder = page.locator(`[data-testid="watched-folder"][data-path="${CORPUS_DIR}"]`);
    await visible(folder, "the corpus folder listed as watched");
    log(`  ${basename(CORPUS_DIR)}: ${(await folder.locator('[data-testid="watched-sync"]').innerText()).trim()}`);
    const added = join(CORPUS_DIR, "watched-note.md");
    await writeFile(added, "# Field note\n\nThe otter survey counted forty-two otters at the northern weir on Wednesday.\n");
    const row = page.locator(`[data-testid="doc-row"][data-path="${added}"]`);
    let start = Date.now();
    // The folder's sync runs after the file settles (a couple of seconds).
    await visible(row, "the added file listed in the Library");
    log(`  the added file was listed after ${Date.now() - start} ms`);
    await page.keyboard.press("Control+K");
    const input = byId(page, "search-input");
    await until("Ctrl+K focuses the search box", () => input.evaluate((el) => el === document.activeElement));
    await page.keyboard.type("otter survey northern weir");
    await visible(byId(page, "search-result").filter({ hasText: "watched-note.md" }), "the added file found by search");
    await input.fill("");
    await input.blur();
    await rm(added);
    start = Date.now();
    await until("the deleted file is gone from the Library", async () => (await row.count()) === 0);
    log(`  the deleted file was gone after ${Date.now() - start} ms`);
    await folder.locator('[data-testid="watched-stop"]').click();
    await visible(byId(page, "confirm-dialog"), "the confirmation dialog");
    await byId(page, "confirm-ok").click();
    await until("the folder is no longer listed as watched", async () => (await folder.count()) === 0);
    check((await byId(page, "doc-row").count()) > 0, "stopping the watch removed the documents");
  });

  check(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join("; ")}`);
  currentStep = "the checks that let the run go on";
  check(softFailures.length === 0, `${softFailures.length} failed:\n  - ${softFailures.join("\n  - ")}`);
}

async function main() {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), "kura-e2e-chromium-"));
  let context;
  let code = 0;
  try {
    log(`launch ${CHROMIUM} (profile ${profile}); app at ${BASE_URL}`);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=en-US",
      ],
      locale: "en-US",
      timezoneId: "Asia/Tokyo",
      colorScheme: "light",
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      timeout: WAIT_MS,
    });
    context.setDefaultTimeout(WAIT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    try {
      await run(page);
      log("all steps passed");
    } catch (e) {
      code = 1;
      log(`✗ ${currentStep}: ${e instanceof Error ? e.message : e}`);
      const path = join(tmpdir(), `kura-e2e-failure-${process.pid}.png`);
      await page.screenshot({ path }).then(
        () => log(`  the page at the failure: ${path}`),
        () => {},
      );
    }
  } catch (e) {
    code = 1;
    log(`✗ could not start the browser: ${e instanceof Error ? e.message : e}`);
  } finally {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
  log(code === 0 ? "PASS" : "FAIL");
  process.exit(code);
}

await main();
