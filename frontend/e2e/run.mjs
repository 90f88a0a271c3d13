// End-to-end run of the Kura UI in Debian's Chromium, driven by
// playwright-core, against a running `kura serve` (started, with a real
// Ollama serving the tiny test models, by internal/e2e/e2e_test.go; run it
// through `make test-e2e`).
//
// Environment:
//   BASE_URL        the page `kura serve` serves, e.g. http://127.0.0.1:8765
//   TOKEN           the token `kura serve` printed with its address (it makes one at each start)
//   CORPUS_DIR      a folder of documents to add (the shared text corpus: five files)
//   PDF_PATH        one PDF to add to a second collection and open from the search box
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

import { mkdtemp, mkdir, rm } from "node:fs/promises";
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
const SCREENSHOT_DIR = env("SCREENSHOT_DIR");
const CHROMIUM = env("CHROMIUM", "/usr/bin/chromium");
const EXPECT_ANSWER = process.env.EXPECT_ANSWER ?? "";
const CORPUS_FILES = 5;
const QUESTION = "誤差範囲はどのくらいですか";
const PDF_QUERY = "オープンソースAI";

/** Default time a reaction of the page may take, on a loaded machine. */
const WAIT_MS = 30_000;
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
    const rec = { progress: [], stream: [], streamDone: false };
    const sample = () => {
      for (const bar of document.querySelectorAll('[data-testid="job-progress"]')) {
        const card = bar.closest('[data-testid="job-card"]');
        const entry = `${card?.dataset.jobId}:${card?.dataset.state}:${bar.getAttribute("aria-valuenow") ?? "?"}`;
        if (rec.progress.at(-1) !== entry) rec.progress.push(entry);
      }
      const streaming = document.querySelector('[data-testid="message-assistant"][data-streaming="true"] .rich');
      if (streaming) {
        const text = streaming.textContent ?? "";
        if (rec.stream.at(-1) !== text) rec.stream.push(text);
      }
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

  await step("open the app", async () => {
    await page.goto(BASE_URL + "/" + (TOKEN ? `?token=${encodeURIComponent(TOKEN)}` : ""));
    await visible(byId(page, "nav-chat"), "the navigation (the app booted)", 60_000);
    check((await byId(page, "boot-error").count()) === 0, "the app failed to boot");
    const label = (await byId(page, "nav-chat").innerText()).trim();
    check(label === "Chat", `nav-chat reads ${JSON.stringify(label)}, want "Chat" (English UI)`);
  });

  await step("Library: add the corpus folder through the path field", async () => {
    await byId(page, "nav-library").click();
    await visible(byId(page, "add-path-input"), "the path field");
    await startRecorder(page);
    const { card } = await addPath(page, CORPUS_DIR);
    const rec = await readRecorder(page);
    check(rec.progress.length > 0, "no job-progress bar appeared while the job ran");
    log(`  progress seen: ${rec.progress.join(" ")}`);
    await until(`${CORPUS_FILES} documents are listed as indexed`, async () => {
      const statuses = await byId(page, "doc-row").evaluateAll((rows) => rows.map((r) => r.dataset.status));
      return statuses.length === CORPUS_FILES && statuses.every((s) => s === "indexed") && statuses;
    });
    const names = await page.locator('[data-testid="doc-row"] .doc-name').allInnerTexts();
    log(`  indexed: ${names.join(", ")}`);
    await card.scrollIntoViewIfNeeded();
    await shot(page, "library.png");
  });

  await step(`Chat: ask ${QUESTION} and watch the answer stream`, async () => {
    await byId(page, "nav-chat").click();
    const input = await visible(byId(page, "chat-input"), "the chat input");
    for (const banner of ["banner-unreachable", "banner-no-chat-model", "banner-no-embed-model"]) {
      check((await byId(page, banner).count()) === 0, `the chat shows ${banner}`);
    }
    await startRecorder(page);
    await input.fill(QUESTION);
    await byId(page, "chat-send").click();
    await visible(byId(page, "message-user").filter({ hasText: QUESTION }), "the question in the conversation");
    const answer = page.locator('[data-testid="message-assistant"][data-complete="true"]').last();
    // Each answer:token event grows the streamed text.
    const streamed = () => page.evaluate(() =>
      `${document.querySelectorAll('[data-testid="message-assistant"][data-complete="true"]').length}|` +
      (document.querySelector('[data-testid="message-assistant"][data-streaming="true"]')?.textContent ?? ""));
    await untilProgressing("the answer is complete", async () => (await answer.count()) > 0 && (await answer.isVisible()), streamed);
    const text = (await answer.locator(".rich").innerText()).trim();
    log(`  answer: ${JSON.stringify(text)}`);
    if (EXPECT_ANSWER) check(text === EXPECT_ANSWER, `the answer is ${JSON.stringify(text)}, want ${JSON.stringify(EXPECT_ANSWER)}`);
    check((await byId(page, "message-error").count()) === 0, "the answer shows an error");
    await until("the Stop button gives way to Send", async () => (await byId(page, "chat-stop").count()) === 0 && (await byId(page, "chat-send").count()) === 1);

    const { stream } = await readRecorder(page);
    const seen = stream.filter((s) => s !== "");
    log(`  streamed texts seen: ${seen.length} (${seen.map((s) => s.length).join(", ")} chars)`);
    check(seen.length >= 2, `the answer did not grow while streaming: texts seen ${JSON.stringify(stream)}`);
    for (let i = 1; i < seen.length; i++) {
      check(seen[i].length > seen[i - 1].length && seen[i].startsWith(seen[i - 1]), `streamed text did not grow: ${JSON.stringify(seen[i - 1])} then ${JSON.stringify(seen[i])}`);
    }
    check(text.startsWith(seen.at(-1)), `the saved answer ${JSON.stringify(text)} does not continue the streamed ${JSON.stringify(seen.at(-1))}`);
  });

  await step("Chat: open the answer's first source", async () => {
    // The tiny model writes no [n] markers, so there is no inline citation
    // chip; the answer's sources row lists the retrieved passages instead.
    const answer = page.locator('[data-testid="message-assistant"][data-complete="true"]').last();
    const chips = answer.locator('[data-testid="message-sources"] [data-testid="source-chip"]');
    await visible(chips, "a source chip under the answer");
    const count = await chips.count();
    const inline = await answer.locator('[data-testid="citation"]').count();
    log(`  ${count} source chips, ${inline} inline citations`);
    const chip = chips.first();
    const name = (await chip.locator(".source-chip-name").innerText()).trim();
    await chip.click();
    const panel = await visible(byId(page, "source-panel"), "the source panel");
    await until(`the source panel names ${name}`, async () => (await byId(page, "source-name").innerText()).trim() === name);
    const mark = await visible(byId(page, "source-highlight"), "the highlighted passage");
    const marked = (await mark.innerText()).trim();
    check(marked.length > 0, "the highlighted passage is empty");
    log(`  ${name}: highlighted ${marked.length} chars: ${JSON.stringify(marked.slice(0, 40))}…`);
    check((await panel.locator('[data-testid="source-page"]').count()) === 0, "a text file's source shows a page number");
    check((await byId(page, "source-page-canvas").count()) === 0, "a text file's source shows a PDF page");
    await shot(page, "chat.png");
    await byId(page, "source-close").click();
    await until("the source panel closed", async () => (await byId(page, "source-panel").count()) === 0);
  });

  await step("Library: add a PDF to a new collection", async () => {
    await byId(page, "nav-library").click();
    await byId(page, "collection-new").click();
    await byId(page, "collection-name-input").fill("pdf");
    await byId(page, "collection-create").click();
    await visible(page.locator('[data-testid="collection-item"][data-name="pdf"].active'), "the new collection, selected");
    await addPath(page, PDF_PATH);
    const row = page.locator(`[data-testid="doc-row"][data-path="${PDF_PATH}"]`);
    await visible(row, "the PDF in the document list");
    check((await row.getAttribute("data-status")) === "indexed", `the PDF's status is ${await row.getAttribute("data-status")}, want indexed`);
  });

  await step(`Search (Ctrl+K) ${PDF_QUERY} and open a PDF passage`, async () => {
    // From Chat, where the source panel has room beside the conversation.
    await byId(page, "nav-chat").click();
    await visible(byId(page, "chat-input"), "the chat input");
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
    await page.keyboard.press("Control+K");
    const input = byId(page, "search-input");
    await until("Ctrl+K focuses the search box", () => input.evaluate((el) => el === document.activeElement));
    await page.keyboard.type(PDF_QUERY);
    const result = await visible(byId(page, "search-result").filter({ hasText: basename(PDF_PATH) }), "a search result from the PDF");
    log(`  ${await byId(page, "search-result").count()} results, mode ${await byId(page, "search-mode").getAttribute("data-mode")}`);
    await result.click();
    await visible(byId(page, "source-panel"), "the source panel");
    await until(`the source panel names ${basename(PDF_PATH)}`, async () => (await byId(page, "source-name").innerText()).trim() === basename(PDF_PATH));
    const pageLabel = (await (await visible(byId(page, "source-page"), "the page number")).innerText()).trim();
    check(/\d/.test(pageLabel), `the page label ${JSON.stringify(pageLabel)} has no number`);
    const canvas = await visible(byId(page, "source-page-canvas"), "the rendered PDF page", 60_000);
    const ink = await until("the PDF page is drawn (non-blank canvas)", async () => {
      if ((await byId(page, "source-pdf-error").count()) > 0) throw new Error(await byId(page, "source-pdf-error").innerText());
      const v = await inkOf(canvas);
      return v > 0.002 && v;
    }, 60_000);
    const marked = (await (await visible(byId(page, "source-highlight"), "the highlighted passage")).innerText()).trim();
    check(marked.length > 0, "the highlighted passage is empty");
    const onPage = await byId(page, "source-page-highlight").count();
    log(`  ${pageLabel}; ${(ink * 100).toFixed(1)}% of the canvas inked; ${onPage} marks on the page; passage ${JSON.stringify(marked.slice(0, 30))}…`);
    await shot(page, "source-pdf.png");
    await byId(page, "source-close").click();
    await until("the source panel closed", async () => (await byId(page, "source-panel").count()) === 0);
    await input.fill("");
    await input.blur();
  });

  await step("Models: the runtime and the tiny models", async () => {
    await byId(page, "nav-models").click();
    await visible(page.locator('[data-testid="runtime-reachable"][data-reachable="true"]'), "the runtime marked reachable");
    await visible(page.locator('[data-testid="model-row"][data-name^="kura-test-chat"]'), "the chat model's row");
    await visible(page.locator('[data-testid="model-row"][data-name^="kura-test-embed"]'), "the embedding model's row");
    // The settings name the models as configured ("kura-test-chat"); Ollama
    // lists them with their tag ("kura-test-chat:latest"). The same model.
    const marked = (model, badge) => async () =>
      (await page.locator(`[data-testid="model-row"][data-name^="${model}"] [data-testid="${badge}"]`).count()) === 1;
    const installed = (id) => async () => !/not installed/i.test(await byId(page, id).evaluate((el) => el.selectedOptions[0]?.textContent ?? "")) || null;
    await Promise.all([
      untilSoft("the chat model's row is marked as the model in use", marked("kura-test-chat", "model-default-chat")),
      untilSoft("the embedding model's row is marked as the model in use", marked("kura-test-embed", "model-default-embed")),
      untilSoft("chat-model-select shows the chat model as installed", installed("chat-model-select")),
      untilSoft("embed-model-select shows the embedding model as installed", installed("embed-model-select")),
    ]);
    await shot(page, "models.png");
  });

  await step("Settings: switch the interface to Japanese", async () => {
    await byId(page, "nav-settings").click();
    const select = await visible(byId(page, "lang-select"), "the language select");
    await shot(page, "settings.png");
    await select.selectOption("ja");
    await until("the navigation is in Japanese", async () => (await byId(page, "nav-chat").innerText()).trim() === "チャット");
    log(`  nav: ${(await page.locator('[data-testid^="nav-"] .nav-label').allInnerTexts()).join(" / ")}`);
  });

  await step("Chat in Japanese: the answer and its source", async () => {
    await byId(page, "nav-chat").click();
    const answer = page.locator('[data-testid="message-assistant"][data-complete="true"]').last();
    await visible(answer, "the saved answer");
    await until("the composer is in Japanese", async () => /[\u3040-\u30ff\u4e00-\u9fff]/.test((await byId(page, "chat-input").getAttribute("placeholder")) ?? ""));
    await answer.locator('[data-testid="source-chip"]').first().click();
    await visible(byId(page, "source-highlight"), "the highlighted passage");
    await shot(page, "chat-ja.png");
    await byId(page, "source-close").click();
  });

  await step("Library: remove a document", async () => {
    await byId(page, "nav-library").click();
    await openCollection(page, "default");
    await until(`${CORPUS_FILES} documents are listed`, async () => (await byId(page, "doc-row").count()) === CORPUS_FILES);
    const row = byId(page, "doc-row").first();
    const path = await row.getAttribute("data-path");
    await row.locator('[data-testid="doc-remove"]').click();
    await visible(byId(page, "confirm-dialog"), "the confirmation dialog");
    await byId(page, "confirm-ok").click();
    await until(`${basename(path)} is gone from the list`, async () => (await page.locator(`[data-testid="doc-row"][data-path="${path}"]`).count()) === 0);
    await until(`${CORPUS_FILES - 1} documents are listed`, async () => (await byId(page, "doc-row").count()) === CORPUS_FILES - 1);
    await visible(byId(page, "toast-success"), "the removal's toast");
    log(`  removed ${basename(path)}`);
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
      timeout: 60_000,
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
