import { afterEach, describe, expect, it } from "vitest";
import { setLanguage } from "../i18n";
import { pdfErrorText } from "../i18n/errors";
import { exclusive, type Task } from "./exclusive";

// A renderer with pdf.js's rule: a canvas drawn on by a running render
// refuses a second one (pdf.js throws "Cannot use the same canvas during
// multiple render() operations"); cancel() ends a render at once, its
// promise rejecting with RenderingCancelledException.
function fakeRenderer() {
  const inUse = new WeakSet<object>();
  const running: { finish: () => void }[] = [];
  let drawn = 0;
  function render(canvas: object): Task {
    if (inUse.has(canvas)) throw new Error("Cannot use the same canvas during multiple render() operations.");
    inUse.add(canvas);
    let settle!: (err?: Error) => void;
    const promise = new Promise<void>((resolve, reject) => {
      settle = (err) => {
        inUse.delete(canvas);
        if (err) reject(err);
        else {
          drawn++;
          resolve();
        }
      };
    });
    running.push({ finish: () => settle() });
    return {
      cancel: () => settle(Object.assign(new Error("Rendering cancelled"), { name: "RenderingCancelledException" })),
      promise,
    };
  }
  return { render, running, drawn: () => drawn };
}

/** What the source panel does: fetch the page (a tick), then render. */
function draw(r: ReturnType<typeof fakeRenderer>, canvas: object) {
  return exclusive(canvas, async () => {
    await Promise.resolve();
    return r.render(canvas);
  });
}

describe("exclusive", () => {
  it("lets a second render of a canvas wait for the first to be cancelled, where pdf.js alone refuses it", async () => {
    const r = fakeRenderer();
    const canvas = {};
    // Without the rule: the page drawn twice as the panel settles its width.
    r.render(canvas);
    expect(() => r.render(canvas)).toThrow(/same canvas/);

    const other = {};
    const first = draw(r, other);
    const second = draw(r, other);
    const t1 = await first;
    await expect(t1.promise).rejects.toMatchObject({ name: "RenderingCancelledException" });
    const t2 = await second;
    r.running.at(-1)!.finish();
    await expect(t2.promise).resolves.toBeUndefined();
    expect(r.drawn()).toBe(1);
  });

  it("runs only the last of several renders asked for at once", async () => {
    const r = fakeRenderer();
    const canvas = {};
    const calls = [draw(r, canvas), draw(r, canvas), draw(r, canvas)];
    const settled = await Promise.allSettled(calls);
    const begun = settled.filter((s) => s.status === "fulfilled").map((s) => (s as PromiseFulfilledResult<Task>).value);
    // The middle one never began; the first was cancelled; the last draws.
    expect(settled[1]).toMatchObject({ status: "rejected", reason: { name: "RenderingCancelledException" } });
    r.running.at(-1)!.finish();
    const ends = await Promise.allSettled(begun.map((t) => t.promise));
    expect(ends.map((e) => e.status)).toEqual(["rejected", "fulfilled"]);
    expect(r.drawn()).toBe(1);
  });

  it("frees the canvas when a render fails to begin", async () => {
    const r = fakeRenderer();
    const canvas = {};
    await expect(exclusive(canvas, async () => Promise.reject(new Error("no page")))).rejects.toThrow("no page");
    const t = await draw(r, canvas);
    r.running.at(-1)!.finish();
    await expect(t.promise).resolves.toBeUndefined();
  });
});

describe("pdfErrorText", () => {
  afterEach(() => setLanguage("en"));
  it("words pdf.js's errors in the user's language, not pdf.js's English", () => {
    const inUse = new Error("Cannot use the same canvas during multiple render() operations.");
    const password = Object.assign(new Error("No password given"), { name: "PasswordException" });
    for (const lang of ["en", "ja", "ko"]) {
      setLanguage(lang);
      for (const err of [inUse, password]) {
        const text = pdfErrorText(err);
        expect(text).not.toContain(err.message);
        expect(text.length).toBeGreaterThan(0);
      }
      if (lang !== "en") expect(pdfErrorText(password)).not.toMatch(/[a-z]{4}/);
    }
  });
});
