// Builds the audit page into one self-contained HTML file (the audit modules bundled inline):
// the shop serves it, and `npm run build:audit-page` writes it for any static host.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } h3 { font-size: 1rem; margin: 0 0 .3rem; }
textarea, input, select { font: 13px ui-monospace, monospace; box-sizing: border-box; }
textarea { width: 100%; height: 8rem; } input[type=text], input[type=url] { width: 100%; }
label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
button { margin-top: .6rem; padding: .3rem 1rem; font: inherit; }
.finding { border-left: 4px solid #999; padding: .4rem .8rem; margin: .6rem 0; background: #f7f7f7; }
.finding p { margin: .2rem 0; } .finding code { word-break: break-all; }
.high { border-color: #c62828; } .medium { border-color: #ef6c00; } .low { border-color: #0277bd; } .info { border-color: #9e9e9e; }
.severity { text-transform: uppercase; font-size: .75rem; font-weight: 700; }
.evidence { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; } td, th { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; font-size: 13px; }
tr.sent td:nth-child(2) { color: #2e7d32; font-weight: 700; } tr.not-sent td:nth-child(2) { color: #c62828; font-weight: 700; }
.refused { color: #c62828; } #error { color: #c62828; font-weight: 600; }
.row { display: grid; grid-template-columns: 3fr 1fr 3fr auto; gap: .5rem; align-items: end; }
`;

const SAMPLE = [
  "Set-Cookie: __Host-session=Qk9jZ3h2c2Z1b2x3c2ZqZ2hsYWtzZGpmaGFsa3NkamZo; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=1800",
  "Set-Cookie: sid=12345; Domain=shop.test; Path=/",
  "Cache-Control: no-store",
].join("\n");

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** The page as one HTML document. */
export async function buildAuditPage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./main.ts", import.meta.url))],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    legalComments: "none",
  });
  const script = (result.outputFiles[0]?.text ?? "").replace(/<\/script/gi, "<\\/script");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>sessionjar — cookie audit</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Cookie audit</h1>
<p>Paste the <code>Set-Cookie</code> lines of a response (other headers such as <code>Cache-Control</code> may come along) and the URL they came from. Everything runs in this page.</p>
<label for="lines">Set-Cookie lines and response headers</label>
<textarea id="lines" spellcheck="false">${escapeHtml(SAMPLE)}</textarea>
<label for="url">The URL they came from</label>
<input id="url" type="url" value="https://www.shop.test/account">
<label for="session">Session cookie names (optional; otherwise recognised by name and randomness)</label>
<input id="session" type="text" placeholder="sid, __Host-session">
<button id="audit" type="button">Audit</button>
<p id="error" role="alert"></p>
<h2>Findings</h2>
<div id="findings"></div>
<h2>Which requests carry each cookie</h2>
<div id="sending"></div>
<h2>Add a request</h2>
<div class="row">
<div><label for="req-url">URL</label><input id="req-url" type="url" placeholder="https://api.shop.test/me"></div>
<div><label for="req-method">Method</label><select id="req-method"><option>GET</option><option>POST</option><option>PUT</option><option>DELETE</option></select></div>
<div><label for="req-initiator">From the page (URL or origin; empty: typed in)</label><input id="req-initiator" type="url" placeholder="https://www.shop.test"></div>
<div><label><input id="req-nav" type="checkbox" checked> top-level</label><button id="add" type="button">Add</button></div>
</div>
<script>${script}</script>
</body>
</html>
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? "dist/audit.html";
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await buildAuditPage());
  console.log(`wrote ${out}`);
}
