// The answer check in the browser: an answer whose sentences the quotes do
// not all support is marked where they do not, with the count under it, and
// a click on a sentence opens the quote that supports it. Run by
// internal/e2e (TestAnAnswersSentencesAreCheckedInTheBrowser) against `kura
// serve` whose chat model's answer is scripted: four sentences, one with a
// year no quote holds.
//
// Environment: BASE_URL, TOKEN, QUESTION, MISSING (the number no quote
// holds), SUMMARY (the line under the answer), SCREENSHOT (a PNG path, or
// empty), CHROMIUM.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const v = process.env[name];
  if (v === undefined) {
    console.error(`check: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const BASE_URL = env("BASE_URL").replace(/\/$/, "");
const TOKEN = env("TOKEN");
const QUESTION = env("QUESTION");
const MISSING = env("MISSING");
const SUMMARY = env("SUMMARY");
const SCREENSHOT = process.env.SCREENSHOT ?? "";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** A ceiling for a hang on a busy machine, not a speed check. */
const WAIT_MS = 240_000;

const t0 = Date.now();
const log = (msg) => console.log(`[check ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
const byId = (page, id) => page.locator(`[data-testid="${id}"]`);
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function run(page) {
  page.on("pageerror", (e) => log(`  page error: ${e.message}`));
  await page.goto(`${BASE_URL}/?token=${encodeURIComponent(TOKEN)}`);
  await byId(page, "nav-chat").first().waitFor({ state: "visible" });
  await byId(page, "nav-chat").first().click();
  const input = byId(page, "chat-input").first();
  await input.waitFor({ state: "visible" });
  await input.fill(QUESTION);
  await byId(page, "chat-send").first().click();
  log("asked; waiting for the answer and its check");
  const answer = page.locator('[data-testid="message-assistant"][data-complete="true"]').last();
  await answer.waitFor({ state: "visible" });
  const summary = answer.locator('[data-testid="check-summary"]');
  await summary.waitFor({ state: "visible" });
  const said = (await summary.innerText()).trim();
  check(said === SUMMARY, `the line under the answer says ${JSON.stringify(said)}, want ${JSON.stringify(SUMMARY)}`);

  const unsupported = answer.locator('[data-testid="claim"][data-verdict="unsupported"]');
  check((await unsupported.count()) >= 1, "no sentence is marked unsupported");
  const title = (await unsupported.first().getAttribute("title")) ?? "";
  check(title.includes(MISSING), `the unsupported sentence's tooltip does not name ${MISSING}: ${JSON.stringify(title)}`);
  const decoration = await unsupported.first().evaluate((el) => getComputedStyle(el).textDecorationStyle);
  check(decoration === "dotted", `the unsupported sentence is underlined ${JSON.stringify(decoration)}, want dotted`);
  const supported = answer.locator('[data-testid="claim"][data-verdict="supported"]');
  check((await supported.count()) >= 1, "no sentence is marked supported");
  const plain = await supported.first().evaluate((el) => getComputedStyle(el).textDecorationLine);
  check(plain === "none", `a supported sentence is decorated: ${plain}`);

  await supported.first().click();
  await byId(page, "source-panel").first().waitFor({ state: "visible" });
  log("a click on a supported sentence opened its source");
  if (SCREENSHOT) {
    await page.mouse.move(1, 1);
    await unsupported.first().hover();
    await page.screenshot({ path: SCREENSHOT });
    log(`screenshot ${SCREENSHOT}`);
  }
}

const profile = await mkdtemp(join(tmpdir(), "kura-check-chromium-"));
let code = 0;
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=en-US"],
    locale: "en-US",
    viewport: { width: 1280, height: 800 },
    timeout: WAIT_MS,
  });
  context.setDefaultTimeout(WAIT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await run(page);
    log("PASS");
  } catch (e) {
    code = 1;
    log(`✗ ${e instanceof Error ? e.message : e}`);
    const path = join(tmpdir(), `kura-check-failure-${process.pid}.png`);
    await page.screenshot({ path }).then(() => log(`  the page at the failure: ${path}`), () => {});
  }
} catch (e) {
  code = 1;
  log(`✗ could not start the browser: ${e instanceof Error ? e.message : e}`);
} finally {
  await context?.close().catch(() => {});
  await rm(profile, { recursive: true, force: true }).catch(() => {});
}
process.exit(code);
