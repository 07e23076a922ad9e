// Copies the dashboard's vendored files from node_modules into the Python package, and records
// where each came from. Run `npm ci && npm run build` here; commit the result in
// src/fundatlas/web/static/vendor/. Nothing is fetched at run time: the server serves these files.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "fundatlas", "web", "static", "vendor");

// [package, file inside the package, name in vendor/]
const FILES = [
  ["world-atlas", "countries-110m.json", "countries-110m.json"],
  ["topojson-client", "dist/topojson-client.min.js", "topojson-client.min.js"],
  ["d3-array", "dist/d3-array.min.js", "d3-array.min.js"],
  ["d3-geo", "dist/d3-geo.min.js", "d3-geo.min.js"],
];

rmSync(target, { recursive: true, force: true });
mkdirSync(join(target, "licenses"), { recursive: true });

const manifest = { _comment: "Written by web-assets/build.mjs from web-assets/package-lock.json; do not edit.", files: {} };
for (const [pkg, file, name] of FILES) {
  const root = join(here, "node_modules", pkg);
  const meta = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const bytes = readFileSync(join(root, file));
  copyFileSync(join(root, file), join(target, name));
  const license = readdirSync(root).find((entry) => /^licen[cs]e/i.test(entry));
  if (license) copyFileSync(join(root, license), join(target, "licenses", `${pkg}.txt`));
  manifest.files[name] = {
    package: pkg,
    version: meta.version,
    license: meta.license,
    source: `${pkg}/${file}`,
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
  console.log(`${name.padEnd(26)} ${pkg}@${meta.version} ${bytes.length} bytes`);
}
manifest.notes = {
  "countries-110m.json": "Natural Earth 1:110m admin-0 countries (public domain) as TopoJSON; feature ids are ISO 3166-1 numeric codes.",
};
writeFileSync(join(target, "VERSIONS.json"), JSON.stringify(manifest, null, 2) + "\n");
