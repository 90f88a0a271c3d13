import { describe, expect, it } from "vitest";
import { installedName, sameModel } from "./models";

describe("sameModel", () => {
  it("treats a name without a tag as :latest", () => {
    expect(sameModel("bge-m3", "bge-m3:latest")).toBe(true);
    expect(sameModel("kura-test-chat:latest", "kura-test-chat")).toBe(true);
  });
  it("ignores case", () => {
    expect(sameModel("Qwen2.5:3B", "qwen2.5:3b")).toBe(true);
  });
  it("keeps different tags apart", () => {
    expect(sameModel("qwen2.5:3b", "qwen2.5:7b")).toBe(false);
    expect(sameModel("qwen2.5", "qwen2.5:3b")).toBe(false);
  });
});

describe("installedName", () => {
  it("returns the installed spelling of a configured model", () => {
    expect(installedName([{ name: "bge-m3:latest" }], "bge-m3")).toBe("bge-m3:latest");
  });
  it("returns the configured name when it is not installed", () => {
    expect(installedName([{ name: "other:latest" }], "bge-m3")).toBe("bge-m3");
  });
});
