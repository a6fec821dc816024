// The audit in a real browser: the audit page runs the pure modules in Chromium (findings and
// sending decisions, a screenshot), the sending decisions it shows are checked against what
// Chromium really sends, and a HAR recorded by Chromium is audited by `sessionjar audit --har`.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildAuditPage } from "../../examples/audit-page/build.js";
import { explainSending, type SendingRequest } from "../../src/audit/index.js";
import { main } from "../../src/cli/main.js";
import { type BrowserHarness, hostnameOf, startBrowserHarness, withTimeout } from "./harness.js";

const WWW = "www.shop.test";
const API = "api.shop.test";
const EVIL = "evil.example";
const TEST_TIMEOUT_MS = 30_000;
const TOKEN = "Yr3bq8v1Xc0n9Kp2Lm7Tg4Hs6Jd5Fw_Ze-Ua8Qo1Ri";

// Set by /login on www.shop.test: one cookie for each way a browser decides.
const LINES = [
  `__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`,
  "wide=1; Domain=shop.test; Path=/; Secure; SameSite=Lax",
  "everywhere=1; Path=/; Secure; SameSite=None",
  "strict=1; Path=/; Secure; SameSite=Strict",
  "deep=1; Path=/account; Secure; SameSite=Lax",
  "refused=1; Path=/; SameSite=None",
  "hostwrong=1; Domain=evil.example; Path=/; Secure",
  // No SameSite: Lax by default in Chromium, but sent on a top-level POST in its first two minutes.
  "nosite=1; Path=/; Secure",
];

/** Cookie names each request to /echo carried, by request label. */
const carried = new Map<string, string[]>();

function cookieNames(req: IncomingMessage): string[] {
  const raw = req.headers.cookie;
  if (raw === undefined) return [];
  return raw
    .split(";")
    .map((c) => c.trim().split("=")[0] ?? "")
    .filter((n) => n !== "")
    .sort();
}

function html(
  res: ServerResponse,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  res.end(`<!doctype html><meta charset="utf-8"><body>${body}</body>`);
}

describe("the audit in Chromium", () => {
  let h: BrowserHarness;
  let page: string;
  let dir: string;

  before(async () => {
    page = await buildAuditPage();
    dir = mkdtempSync(join(tmpdir(), "sessionjar-audit-browser-"));
    const echo = (req: IncomingMessage, res: ServerResponse): void => {
      const url = new URL(req.url ?? "/", "https://x");
      carried.set(url.searchParams.get("label") ?? "", cookieNames(req));
      html(res, `<p id="done">${hostnameOf(req.headers.host)}</p>`);
    };
    h = await startBrowserHarness({
      hosts: {
        [WWW]: (req, res) => {
          const path = new URL(req.url ?? "/", "https://x").pathname;
          if (path === "/audit") {
            // The page as the shop serves it.
            res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
            return void res.end(page);
          }
          if (path === "/login") {
            res.writeHead(302, {
              location: "/account/home",
              "set-cookie": LINES,
              "cache-control": "no-store",
            });
            return void res.end();
          }
          if (path === "/account/home") {
            const a = (label: string, href: string): string =>
              `<a id="${label}" href="${href}?label=${label}">${label}</a>`;
            return html(
              res,
              a("same-host", h.url(WWW, "/account/echo")) +
                a("sibling", h.url(API, "/account/echo")),
            );
          }
          if (path.endsWith("/echo")) return echo(req, res);
          res.writeHead(404).end();
        },
        [API]: echo,
        [EVIL]: (_req, res) =>
          html(
            res,
            `<form id="post" method="POST" action="${h.url(WWW, "/account/echo")}?label=cross-site-post"><button id="go">go</button></form>` +
              `<a id="link" href="${h.url(WWW, "/account/echo")}?label=cross-site-link">link</a>`,
          ),
      },
    });
  });

  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the page: findings, sending decisions for the four requests and one added, a screenshot", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const context = await h.newContext();
    const p = await context.newPage();
    const errors: string[] = [];
    p.on("pageerror", (e) => errors.push(e.message));
    await p.goto(h.url(WWW, "/audit"));
    // The sample audits itself on load.
    assert.ok((await p.locator("#findings article").count()) > 0);
    await p.fill(
      "#lines",
      [
        `Set-Cookie: __Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`,
        "Set-Cookie: prefs=1; Domain=shop.test; Path=/; Secure; SameSite=None",
        "sid=12345; Path=/",
        "Cache-Control: no-store",
      ].join("\n"),
    );
    await p.fill("#url", "https://www.shop.test/account");
    await p.click("#audit");
    const rules = await p
      .locator("#findings article")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-rule")));
    for (const id of ["session-no-secure", "low-entropy-id", "samesite-none", "loose-domain"]) {
      assert.ok(rules.includes(id), `${id} among ${rules.join(", ")}`);
    }
    assert.ok(
      !rules.includes("set-cookie-cacheable"),
      "Cache-Control: no-store was read as a header",
    );
    assert.match(
      (await p.locator("#corrected").textContent()) ?? "",
      /^Set-Cookie: __Host-sid=12345; Path=\/; Secure; HttpOnly; SameSite=Lax$/m,
    );
    const rows = (cookie: string): Promise<string[]> =>
      p
        .locator(`section[data-cookie="${cookie}"] tr:not(:first-child)`)
        .evaluateAll((els) => els.map((e) => e.className));
    assert.deepEqual(await rows("__Host-sid"), ["sent", "not-sent", "not-sent", "not-sent"]);
    assert.deepEqual(await rows("prefs"), ["sent", "not-sent", "sent", "sent"]);
    assert.deepEqual(await rows("sid"), ["sent", "sent", "not-sent", "not-sent"]);

    await p.fill("#req-url", "https://www.shop.test/account/orders");
    await p.fill("#req-initiator", "https://news.example");
    await p.click("#add");
    assert.deepEqual(await rows("__Host-sid"), [
      "sent",
      "not-sent",
      "not-sent",
      "not-sent",
      "sent",
    ]);
    assert.match(
      (await p
        .locator('section[data-cookie="__Host-sid"] tr:last-child td')
        .nth(2)
        .textContent()) ?? "",
      /top-level GET: SameSite=Lax sends it/,
    );

    const shot = join(dir, "audit-page.png");
    await p.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 10_000, "a screenshot of a rendered page");

    await p.fill("#url", "not a url");
    await p.click("#audit");
    assert.match((await p.locator("#error").textContent()) ?? "", /is not a URL/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the sending decisions agree with what Chromium sends", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const context = await h.newContext();
    const p = await context.newPage();
    await p.goto(h.url(WWW, "/login"));
    await p.waitForURL((u) => u.pathname === "/account/home");
    const visit = async (selector: string, label: string): Promise<void> => {
      await Promise.all([
        p.waitForURL((u) => u.searchParams.get("label") === label),
        p.click(selector),
      ]);
    };
    await visit("#same-host", "same-host");
    await p.goBack();
    await visit("#sibling", "sibling");
    await p.goto(h.url(EVIL, "/"));
    await visit("#link", "cross-site-link");
    await p.goto(h.url(EVIL, "/"));
    await visit("#go", "cross-site-post");
    await context.close();

    const echo = (host: string, label: string): string =>
      `${h.url(host, "/account/echo")}?label=${label}`;
    const requests: SendingRequest[] = [
      { label: "same-host", url: echo(WWW, "same-host"), initiator: h.origin(WWW) },
      { label: "sibling", url: echo(API, "sibling"), initiator: h.origin(WWW) },
      { label: "cross-site-link", url: echo(WWW, "cross-site-link"), initiator: h.origin(EVIL) },
      {
        label: "cross-site-post",
        url: echo(WWW, "cross-site-post"),
        method: "POST",
        initiator: h.origin(EVIL),
        // Within seconds of /login: inside Chromium's two minutes.
        secondsAfterSet: 5,
      },
    ];
    for (const r of requests) {
      const predicted = LINES.map((line) => explainSending(line, h.url(WWW, "/login"), [r]))
        .filter((c) => c.requests[0]?.sent === true)
        .map((c) => c.name)
        .sort();
      assert.deepEqual(
        carried.get(r.label),
        predicted,
        `${r.label}: Chromium sent ${carried.get(r.label)?.join(", ")}`,
      );
    }
    // And the refused lines are refused by Chromium too: it never sent them anywhere.
    for (const names of carried.values()) {
      assert.ok(!names.includes("refused") && !names.includes("hostwrong"));
    }
  });

  test("a HAR recorded by Chromium, audited by sessionjar audit --har", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const har = join(dir, "visit.har");
    const context = await withTimeout(
      "a recording context",
      10_000,
      h.browser.newContext({ recordHar: { path: har, content: "omit" } }),
    );
    const p = await context.newPage();
    await p.goto(h.url(WWW, "/login"));
    await p.waitForURL((u) => u.pathname === "/account/home");
    await context.close();
    const audit = async (failOn: string): Promise<{ code: number; out: string }> => {
      let out = "";
      const code = await main(["audit", "--har", har, "--json", "--fail-on", failOn], {
        out: (t) => (out += t),
        err: (t) => (out += t),
      });
      return { code, out };
    };
    // The worst cookie here is refused by browsers (medium); nothing exploitable (high).
    assert.equal((await audit("high")).code, 0);
    const medium = await audit("medium");
    assert.equal(medium.code, 1);
    const result = JSON.parse(medium.out) as {
      responses: number;
      setCookies: number;
      findings: { id: string; cookie?: string; url: string }[];
    };
    assert.ok(result.responses >= 2);
    assert.equal(result.setCookies, LINES.length);
    const ids = (cookie: string): string[] =>
      result.findings
        .filter((f) => f.cookie === cookie)
        .map((f) => f.id)
        .sort();
    assert.deepEqual(ids("__Host-sid"), []);
    assert.ok(ids("wide").includes("loose-domain"));
    assert.ok(ids("everywhere").includes("samesite-none"));
    assert.ok(ids("refused").includes("samesite-none-insecure"));
    assert.ok(ids("hostwrong").includes("domain-mismatch"));
    assert.ok(result.findings.every((f) => f.url.startsWith(h.origin(WWW))));
  });
});
