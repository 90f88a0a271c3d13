import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { installedName, sameModel } from "./models";

/** The cases the backend's llm.SameModel is tested against too. */
const table = fileURLToPath(new URL("../../../internal/llm/testdata/same_model.json", import.meta.url));
const cases: { why: string; a: string; b: string; same: boolean }[] = JSON.parse(readFileSync(table, "utf8"));

describe("sameModel", () => {
  it("has the shared table of cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    it(c.why, () => {
      expect(sameModel(c.a, c.b)).toBe(c.same);
      expect(sameModel(c.b, c.a)).toBe(c.same);
    });
  }
});

describe("installedName", () => {
  it("returns the installed spelling of a configured model", () => {
    expect(installedName([{ name: "bge-m3:latest" }], "bge-m3")).toBe("bge-m3:latest");
  });
  it("returns the configured name when it is not installed", () => {
    expect(installedName([{ name: "other:latest" }], "bge-m3")).toBe("bge-m3");
  });
});
