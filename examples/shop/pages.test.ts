import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { backOf } from "./http.js";
import { describeUserAgent, errorPage, esc, signInPage } from "./pages.js";

test("pages: text is escaped in content and attributes", () => {
  assert.equal(
    esc(`<a href="x" onclick='y'>&`),
    "&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;",
  );
  const html = signInPage({ csrfToken: '"><script>', email: "<b>@x" });
  assert.ok(!html.includes("<script>"));
  assert.ok(!html.includes("<b>@x"));
});

test("pages: user agents in a few words", () => {
  assert.equal(
    describeUserAgent(
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
    ),
    "Chrome 156 on Linux",
  );
  assert.equal(
    describeUserAgent(
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    ),
    "Safari 17 on macOS",
  );
  assert.equal(
    describeUserAgent(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    ),
    "Firefox 121 on Windows",
  );
  assert.equal(describeUserAgent("curl/8.5.0"), "Another client");
  assert.equal(describeUserAgent(null), "Unknown browser");
});

test("pages: an error page links back to the same-origin page its form came from", () => {
  const req = (referer: string | undefined) =>
    ({ headers: { host: "www.shop.test:8443", referer } }) as IncomingMessage;
  assert.equal(backOf(req("https://www.shop.test:8443/checkout?x=1")), "/checkout?x=1");
  assert.equal(backOf(req("https://evil.example/checkout")), undefined);
  assert.equal(backOf(req("http://www.shop.test:8443/checkout")), undefined);
  assert.equal(backOf(req("not a url")), undefined);
  assert.equal(backOf(req(undefined)), undefined);
  assert.match(errorPage(400, "mfa_code_invalid", "wrong", "/checkout"), /href="\/checkout"/);
  assert.match(errorPage(404, "not_found", "no"), /Back to the shop/);
});
