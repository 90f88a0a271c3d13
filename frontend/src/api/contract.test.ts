// The API module against the contract: every method docs/API.md lists is
// here under the same name, and, once the backend's build has generated the
// Wails bindings (frontend/wailsjs, not committed), our method names and DTO
// fields match theirs.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createApi } from "./index";
import type { Transport } from "./transport";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const apiDoc = here("../../../docs/API.md");
const wailsApp = here("../../wailsjs/go/app/App.d.ts");
const wailsModels = here("../../wailsjs/go/models.ts");
const typesFile = here("./types.ts");

const nullTransport: Transport = {
  kind: "http",
  dialogs: false,
  call: async () => null,
  subscribe: () => () => {},
  onReconnect: () => () => {},
  fileSource: (url) => ({ url }),
};
const ours = Object.keys(createApi(nullTransport)).filter((k) => /^[A-Z]/.test(k));
/** Bound only so Wails generates the event payload types; never called. */
const TYPES_ONLY = ["EventTypes"];

/** interface/class name → field names, from TypeScript source. */
function fieldsOf(src: string, kind: "interface" | "class"): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const re = new RegExp(`export ${kind} (\\w+)[^{]*\\{([\\s\\S]*?)\\n\\s*(?:constructor|\\})`, "g");
  for (const m of src.matchAll(re)) {
    const fields = [...m[2].matchAll(/^\s*(\w+)\??\s*:/gm)].map((f) => f[1]);
    out.set(m[1], fields.sort());
  }
  return out;
}

describe("the API module and docs/API.md", () => {
  it.skipIf(!existsSync(apiDoc))("has every method the contract lists, under the same name", () => {
    const doc = readFileSync(apiDoc, "utf8");
    const listed = new Set([...doc.matchAll(/`(\w+)\(/g)].map((m) => m[1]).filter((n) => /^[A-Z]/.test(n)));
    expect(listed.size).toBeGreaterThan(25);
    expect([...listed].filter((n) => !ours.includes(n) && !TYPES_ONLY.includes(n))).toEqual([]);
    expect(ours.filter((n) => !listed.has(n))).toEqual([]);
  });

  it.skipIf(!existsSync(apiDoc))("has every type the contract lists, with the same fields", () => {
    const doc = readFileSync(apiDoc, "utf8");
    const block = doc.slice(doc.indexOf("```ts"), doc.indexOf("```", doc.indexOf("```ts") + 5));
    const mine = fieldsOf(readFileSync(typesFile, "utf8"), "interface");
    for (const line of block.split("\n")) {
      const m = /^(\w+)\s+\{(.*)\}/.exec(line.trim().replace(/\s*\/\/.*$/, ""));
      if (!m) continue;
      const fields = m[2]
        .replace(/\/\*.*?\*\//g, "")
        .split(",")
        .map((f) => f.trim().split(/[?:\s]/)[0])
        .filter((f) => /^\w+$/.test(f));
      expect(mine.get(m[1]), `type ${m[1]}`).toBeDefined();
      expect(mine.get(m[1])).toEqual([...new Set(fields)].sort());
    }
  });
});

describe("the API module and the generated Wails bindings", () => {
  it.skipIf(!existsSync(wailsApp))("calls only methods that app.App binds", () => {
    const bound = [...readFileSync(wailsApp, "utf8").matchAll(/export function (\w+)\(/g)].map((m) => m[1]);
    expect(ours.filter((n) => !bound.includes(n))).toEqual([]);
  });

  it.skipIf(!existsSync(wailsModels))("uses the generated DTOs' field names", () => {
    const generated = fieldsOf(readFileSync(wailsModels, "utf8"), "class");
    const mine = fieldsOf(readFileSync(typesFile, "utf8"), "interface");
    let compared = 0;
    for (const [name, fields] of generated) {
      const m = mine.get(name);
      if (!m) continue;
      compared++;
      expect(m, `type ${name}`).toEqual(fields);
    }
    expect(compared).toBeGreaterThan(5);
  });
});
