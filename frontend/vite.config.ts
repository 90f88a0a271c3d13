import { defineConfig, type Plugin } from "vitest/config";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// pdf.js loads its CMaps (needed for Japanese and Korean PDFs whose fonts are
// not embedded), standard font data, wasm decoders and ICC profiles at run time
// from URLs we give it. They are copied from pdfjs-dist into dist/pdfjs/ so
// nothing is ever fetched from a CDN; the dev server serves the same paths.
const pdfjsRoot = fileURLToPath(new URL("./node_modules/pdfjs-dist/", import.meta.url));
const pdfjsDirs = ["cmaps", "standard_fonts", "wasm", "iccs"];

function pdfjsAssets(): Plugin {
  return {
    name: "kura-pdfjs-assets",
    configureServer(server) {
      server.middlewares.use("/pdfjs/", (req, res, next) => {
        const rel = decodeURIComponent((req.url ?? "").split("?")[0]).replace(/^\/+/, "");
        const [dir, name, ...rest] = rel.split("/");
        if (!pdfjsDirs.includes(dir) || !name || rest.length > 0 || name.includes("..")) return next();
        try {
          const body = readFileSync(join(pdfjsRoot, dir, name));
          res.setHeader("Content-Type", name.endsWith(".wasm") ? "application/wasm" : "application/octet-stream");
          res.end(body);
        } catch {
          next();
        }
      });
    },
    generateBundle() {
      for (const dir of pdfjsDirs) {
        for (const name of readdirSync(join(pdfjsRoot, dir))) {
          const file = join(pdfjsRoot, dir, name);
          if (!statSync(file).isFile()) continue;
          this.emitFile({ type: "asset", fileName: `pdfjs/${dir}/${name}`, source: readFileSync(file) });
        }
      }
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the same build is served by Wails (wails://wails/)
  // and by `kura serve` (http://127.0.0.1:PORT/?token=…).
  base: "./",
  plugins: [pdfjsAssets()],
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1600,
    assetsInlineLimit: 0,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
