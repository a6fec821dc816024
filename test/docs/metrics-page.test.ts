// docs/metrics.md opens with a whole app: sessions, CSRF and CORS observed, and /metrics. This test
// runs it as the page writes it and reads back, from its own scrape, what its requests counted.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, test } from "node:test";
import { blockOf, client, closeApps, freePort, loadApp, readPage, typeCheck } from "./page-app.js";

/** The value of the series `selector` (name and labels) in an exposition, if it is there. */
function sample(text: string, selector: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${selector} `));
  return line === undefined ? undefined : Number(line.slice(selector.length + 1));
}

const servers: Server[] = [];
after(() => closeApps(servers));
const code = blockOf(readPage("metrics.md"));

test("docs/metrics.md: the app compiles under the repository's strict options", () => {
  assert.equal(typeCheck([{ name: "metrics", code }]), "");
});

test("docs/metrics.md, run as written: its requests show up in its own scrape", async () => {
  process.env.CSRF_SECRET = "docs-test-secret-of-more-than-32-bytes";
  const port = await freePort();
  servers.push(await loadApp(code, "metrics", port));
  const send = client(port);
  const www = `http://localhost:${port}`;

  assert.equal((await send("GET", "/me")).status, 401);
  const { token } = (await send("GET", "/csrf")).body as { token: string };
  const attack = await send("POST", "/login", {
    origin: "https://evil.example",
    "sec-fetch-site": "cross-site",
    "x-csrf-token": token,
  });
  assert.equal(attack.status, 403);
  const signedIn = await send("POST", "/login", { "x-csrf-token": token });
  assert.equal(signedIn.status, 200, signedIn.text);
  assert.equal((await send("GET", "/me", { origin: www })).body.user, "alice");

  const scrape = await send("GET", "/metrics");
  assert.equal(scrape.status, 200);
  assert.equal(scrape.res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(scrape.res.headers.getSetCookie().length, 0, "the scrape set a cookie");
  const text = scrape.text;
  const expected: [string, number][] = [
    ['sessionjar_sessions_created_total{app="www"}', 1],
    [
      'sessionjar_csrf_rejections_total{app="www",reason="cross_site_request",report_only="false"}',
      1,
    ],
    [
      'sessionjar_cross_site_unsafe_requests_total{app="www",site="https://evil.example",allowed="false"}',
      1,
    ],
    [`sessionjar_cors_requests_total{kind="actual",allowed="true",site="http://localhost"}`, 2],
  ];
  for (const [selector, value] of expected) {
    assert.equal(sample(text, selector), value, `${selector} in\n${text}`);
  }
});
