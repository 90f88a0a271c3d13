// Fails the build when the bundle names a remote host that is not on the
// allow-list below: Kura runs offline and must fetch nothing but its own
// files (no CDN, remote fonts or scripts). The allowed strings are XML
// namespaces, licence links in comments, and core-js/pdf.js URL-parser
// self-tests; none of them is ever requested.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const dist = new URL("../dist/", import.meta.url).pathname;
const ALLOWED = [
  /^www\.w3\.org$/,
  /^www\.xfa\.org$/,
  /^ns\.adobe\.com$/,
  /^www\.apache\.org$/,
  /^github\.com$/, // core-js licence link in a comment
  /^(a|x|foo\.bar|example\.com|a@b|\$|тест)$/, // URL parser feature tests
  /^\$\{/, // a template, not a host
  /^(127\.0\.0\.1|localhost)(:\d+)?$/,
];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(m?js|css|html)$/.test(name)) yield p;
  }
}

const bad = new Map();
for (const f of files(dist)) {
  for (const m of readFileSync(f, "utf8").matchAll(/https?:\/\/([^\s/"'`?#)\\]+)/g)) {
    if (!ALLOWED.some((re) => re.test(m[1]))) bad.set(m[1], f.slice(dist.length));
  }
}
if (bad.size > 0) {
  for (const [host, file] of bad) console.error(`remote host in bundle: ${host} (${file})`);
  process.exit(1);
}
console.log("dist: no remote hosts");
