// The shop's story in real Chromium (issue 7's seven steps), as one suite that each store runs:
// the shop's own handlers behind the browser harness (www.shop.test, api.shop.test and
// evil.example on loopback, a trusted local certificate), a plain-HTTP server for its HTTP
// port, and a record of what each host received. A failing step leaves a screenshot of every
// page it opened in test-results/shop/; with SHOP_SCREENSHOTS=DIR the walkthrough's pictures
// are written to DIR.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { BrowserContext, Page, Request as PlaywrightRequest } from "playwright-core";
import { API_COOKIE, createShop, type Shop, WWW_COOKIE } from "../../examples/shop/shop.js";
import type { ShopStores } from "../../examples/shop/stores.js";
import { type BrowserHarness, exactlyOne, startBrowserHarness } from "../browser/harness.js";

const WWW = "www.shop.test";
const API = "api.shop.test";
const EVIL = "evil.example";
const FAILURES = "test-results/shop";
const STEP_TIMEOUT_MS = 90_000;

/** What one host received. */
interface Seen {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  /** Names of the cookies the request carried. */
  readonly cookies: readonly string[];
}

interface Fixture {
  readonly h: BrowserHarness;
  readonly shop: Shop;
  readonly httpPort: number;
  readonly seen: Seen[];
}

function record(seen: Seen[], host: string, req: IncomingMessage): void {
  const cookies = (req.headers.cookie ?? "")
    .split(";")
    .map((p) => p.split("=")[0]?.trim() ?? "")
    .filter((n) => n !== "");
  seen.push({ host, method: req.method ?? "GET", path: req.url ?? "/", cookies });
}

async function startFixture(stores: ShopStores): Promise<Fixture & { close(): Promise<void> }> {
  const seen: Seen[] = [];
  let shop: Shop | undefined;
  const via = (host: string) => (req: IncomingMessage, res: ServerResponse) => {
    record(seen, host, req);
    return (shop as Shop).handlers[host]?.(req, res);
  };
  const h = await startBrowserHarness({
    hosts: { [WWW]: via(WWW), [API]: via(API), [EVIL]: via(EVIL) },
  });
  shop = await createShop({ stores, publicPort: h.port });
  const running = shop;
  const insecure: Server = createServer((req, res) => {
    record(seen, `http:${req.headers.host ?? ""}`, req);
    running.handleInsecure(req, res);
  });
  await new Promise<void>((r) => insecure.listen(0, "127.0.0.1", r));
  return {
    h,
    shop: running,
    httpPort: (insecure.address() as AddressInfo).port,
    seen,
    async close() {
      await h.close();
      await new Promise<void>((r) => {
        insecure.close(() => r());
        insecure.closeAllConnections();
      });
      await running.settled();
      await stores.close();
    },
  };
}

/** One step's browser contexts, kept so that a failure can be photographed. */
class Step {
  readonly f: Fixture;
  readonly contexts: BrowserContext[] = [];

  constructor(f: Fixture) {
    this.f = f;
  }

  async page(): Promise<Page> {
    const context = await this.f.h.newContext();
    this.contexts.push(context);
    const page = await context.newPage();
    await page.setViewportSize({ width: 900, height: 700 });
    return page;
  }

  url(host: string, path = "/"): string {
    return this.f.h.url(host, path);
  }

  async signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(this.url(WWW, "/"));
    await page.fill("#email", email);
    await page.fill("#password", password);
    await Promise.all([page.waitForURL(this.url(WWW, "/checkout")), page.click("#login button")]);
    // Checkout's script talks to the API: let it finish, so that nothing runs on behind the step.
    await page.waitForSelector("#cart:not([data-state=loading])");
  }

  /** Opens checkout and waits until its script has loaded the cart from the API. */
  async checkout(page: Page): Promise<void> {
    await page.goto(this.url(WWW, "/checkout"));
    await page.waitForSelector("#cart[data-state=loaded]");
  }

  /** The status of a credentialed fetch of the cart from a www page (CORS lets www read it). */
  async cartStatus(page: Page): Promise<number> {
    if (!page.url().startsWith(this.f.h.origin(WWW))) await page.goto(this.url(WWW, "/"));
    return page.evaluate(
      (api) => fetch(`${api}/cart/summary`, { credentials: "include" }).then((r) => r.status),
      this.f.h.origin(API),
    );
  }

  /** Signed in at www: /me answers 200 (an HTML navigation's 401 page otherwise). */
  async signedIn(page: Page): Promise<boolean> {
    const r = await page.goto(this.url(WWW, "/me"));
    return r?.status() === 200;
  }

  async metric(selector: string): Promise<number> {
    const text = this.f.shop.metrics.render();
    const line = text.split("\n").find((l) => l.startsWith(`${selector} `));
    return line === undefined ? 0 : Number(line.slice(selector.length + 1));
  }

  async picture(page: Page, name: string): Promise<void> {
    const dir = process.env.SHOP_SCREENSHOTS;
    if (dir === undefined || dir === "") return;
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `${name}.png`) });
  }

  async photographFailure(label: string, step: string): Promise<void> {
    mkdirSync(FAILURES, { recursive: true });
    let i = 0;
    for (const c of this.contexts) {
      for (const p of c.pages()) {
        const file = join(FAILURES, `${label}-${step}-${i++}.png`.replace(/[^a-z0-9.-]+/gi, "_"));
        await p.screenshot({ path: file }).catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => {});
  }
}

const STEPS: readonly { name: string; run(s: Step): Promise<void> }[] = [
  {
    name: "1 sign-in: the cookie as the browser stored it",
    async run(s) {
      const page = await s.page();
      await page.goto(s.url(WWW, "/"));
      await page.fill("#email", "alice@shop.test");
      await page.fill("#password", "alice-password");
      await s.picture(page, "1-sign-in");
      await Promise.all([page.waitForURL(s.url(WWW, "/checkout")), page.click("#login button")]);
      const all = await page.context().cookies(s.url(WWW, "/"));
      const c = exactlyOne(
        all.filter((x) => x.name === WWW_COOKIE),
        "session cookie",
        all,
      );
      assert.ok(c.name.startsWith("__Host-"));
      assert.equal(c.domain, WWW, "host-only: no leading dot, exactly the host");
      assert.equal(c.path, "/");
      assert.equal(c.secure, true);
      assert.equal(c.httpOnly, true);
      assert.equal(c.sameSite, "Lax");
      const left = c.expires - Date.now() / 1000;
      assert.ok(left > 1700 && left <= 1801, `expires in ${left} s, not the 1800 s idle timeout`);
      const api = await page.context().cookies(s.url(API, "/"));
      assert.ok(!api.some((x) => x.name === WWW_COOKIE), "a host-only cookie is not the API's");
    },
  },
  {
    name: "2 checkout carries the cookie; http:// does not, and redirects",
    async run(s) {
      const page = await s.page();
      await s.signIn(page, "alice@shop.test", "alice-password");
      const checkout = s.f.seen.filter((x) => x.host === WWW && x.path === "/checkout").at(-1);
      assert.ok(
        checkout?.cookies.includes(WWW_COOKIE),
        "checkout over HTTPS carried the session cookie",
      );
      const insecure = `http://${WWW}:${s.f.httpPort}/checkout`;
      const before = s.f.seen.length;
      const response = await page.goto(insecure);
      const plain = exactlyOne(
        s.f.seen.slice(before).filter((x) => x.host.startsWith("http:")),
        "plain HTTP request",
        s.f.seen.slice(before),
      );
      assert.ok(
        !plain.cookies.includes(WWW_COOKIE),
        `the Secure cookie went over http://: ${plain.cookies}`,
      );
      assert.equal(response?.request().redirectedFrom()?.url(), insecure);
      assert.equal(page.url(), s.url(WWW, "/checkout"));
      assert.match((await page.textContent("h1")) ?? "", /Checkout for Alice/);
    },
  },
  {
    name: "3 the API: never the www cookie, its own session by exchange, the cart by CORS; evil cannot read it",
    async run(s) {
      const page = await s.page();
      // What this page sent to the API, as the browser saw it (preflights are not page requests).
      const sent: PlaywrightRequest[] = [];
      page.on("request", (r) => {
        if (r.url().startsWith(s.f.h.origin(API))) sent.push(r);
      });
      // Signing in lands on checkout, whose script finds no API session and makes one.
      await s.signIn(page, "alice@shop.test", "alice-password");
      assert.equal(await page.getAttribute("#cart", "data-state"), "loaded");
      assert.match((await page.textContent("#cart")) ?? "", /Espresso machine[\s\S]*€/);
      await s.picture(page, "2-checkout");
      assert.deepEqual(
        sent.map((r) => `${r.method()} ${new URL(r.url()).pathname}`),
        ["GET /cart/summary", "POST /session/exchange", "GET /cart/summary"],
      );
      assert.match(
        (await sent.at(-1)?.allHeaders())?.cookie ?? "",
        new RegExp(`${API_COOKIE}=`),
        "the cart request carried the API's own cookie",
      );
      const toApi = s.f.seen.filter((x) => x.host === API);
      assert.ok(toApi.length >= 3);
      for (const x of toApi)
        assert.ok(!x.cookies.includes(WWW_COOKIE), `the API received the www cookie: ${x.path}`);
      const api = await page.context().cookies(s.url(API, "/"));
      const c = exactlyOne(
        api.filter((x) => x.name === API_COOKIE),
        "API cookie",
        api,
      );
      assert.equal(c.domain, API);
      assert.ok(c.secure && c.httpOnly && c.sameSite === "Lax");
      // A page of evil.example that is not the attack page, so that nothing else runs.
      await page.goto(s.url(EVIL, "/about"));
      const read = await page.evaluate(
        async (url) => {
          try {
            const r = await fetch(url, { credentials: "include" });
            return `read: ${await r.text()}`;
          } catch (e) {
            return (e as Error).name;
          }
        },
        s.url(API, "/cart/summary"),
      );
      assert.equal(read, "TypeError");
    },
  },
  {
    name: "4 evil.example's form and fetch cannot cancel order 842; /metrics counts the refusals",
    async run(s) {
      const page = await s.page();
      await s.signIn(page, "alice@shop.test", "alice-password");
      const reason =
        'sessionjar_csrf_rejections_total{app="www",reason="cross_site_request",report_only="false"}';
      const site = `sessionjar_cross_site_unsafe_requests_total{app="www",site="https://${EVIL}",allowed="false"}`;
      const refusedBefore = await s.metric(reason);
      const siteBefore = await s.metric(site);
      const before = s.f.seen.length;
      await page.goto(s.url(EVIL, "/"));
      await page.waitForSelector("body[data-done=true]");
      await s.picture(page, "3-attack");
      for (const id of ["form", "fetch-www", "fetch-api", "image"])
        assert.match(
          (await page.getAttribute(`#${id} .result`, "class")) ?? "",
          /\bok\b/,
          `${id}: ${await page.textContent(`#${id} .result`)}`,
        );
      assert.match((await page.textContent("#fetch-www .result")) ?? "", /TypeError/);
      const posts = s.f.seen
        .slice(before)
        .filter((x) => x.host === WWW && x.method === "POST" && x.path === "/orders/842/cancel");
      assert.equal(posts.length, 2, "the form and the fetch both reached the shop");
      for (const p of posts)
        assert.ok(
          !p.cookies.includes(WWW_COOKIE),
          "SameSite=Lax kept the cookie off a cross-site POST",
        );
      assert.equal(s.f.shop.orders.get("842")?.status, "active");
      await s.checkout(page);
      assert.equal(await page.textContent("#order-842 .status"), "active");
      assert.equal(await s.metric(reason), refusedBefore + 2);
      assert.equal(await s.metric(site), siteBefore + 2);
      const scraped = await page.goto(s.url(WWW, "/metrics"));
      assert.match(
        (await scraped?.text()) ?? "",
        /sessionjar_csrf_rejections_total\{app="www",reason="cross_site_request",report_only="false"\} \d+/,
      );
    },
  },
  {
    name: "5 MFA rotates the session: the old cookie, replayed elsewhere, is refused",
    async run(s) {
      const page = await s.page();
      await s.signIn(page, "alice@shop.test", "alice-password");
      const old = (await page.context().cookies(s.url(WWW, "/"))).find(
        (c) => c.name === WWW_COOKIE,
      )?.value;
      assert.ok(old !== undefined);
      await page.fill("#code", "123456");
      await Promise.all([page.waitForURL(s.url(WWW, "/checkout")), page.click("#mfa button")]);
      await page.waitForSelector("#elevated");
      const now = (await page.context().cookies(s.url(WWW, "/"))).find(
        (c) => c.name === WWW_COOKIE,
      )?.value;
      assert.ok(now !== undefined && now !== old, "the session ID changed");
      const thief = await s.page();
      await thief.context().addCookies([
        {
          name: WWW_COOKIE,
          value: old,
          url: s.url(WWW, "/"),
          secure: true,
          httpOnly: true,
          sameSite: "Lax",
        },
      ]);
      const replay = await thief.goto(s.url(WWW, "/me"));
      assert.equal(replay?.status(), 401);
      assert.equal(await thief.textContent("#code"), "session_unknown");
      const me = await page.goto(s.url(WWW, "/me"));
      assert.ok(me !== null);
      assert.equal(me.status(), 200);
      assert.equal(
        ((await me.json()) as { session: { elevated: boolean } }).session.elevated,
        true,
      );
    },
  },
  {
    name: "6 two devices: revoke-others, revoke-all, logout and admin sign-out reach the other device and the API",
    async run(s) {
      const one = await s.page();
      const two = await s.page();
      const both = async (): Promise<void> => {
        for (const p of [one, two]) {
          await s.signIn(p, "bob@shop.test", "bob-password");
          await s.checkout(p);
        }
      };
      const signedOut = async (p: Page, what: string): Promise<void> => {
        assert.equal(await s.signedIn(p), false, `${what}: still signed in at www`);
        assert.equal(await s.cartStatus(p), 401, `${what}: the API session survived`);
      };
      await both();
      await one.goto(s.url(WWW, "/sessions"));
      assert.equal(await one.locator("#sessions tr").count(), 2);
      await s.picture(one, "4-devices");
      await Promise.all([one.waitForURL(s.url(WWW, "/sessions")), one.click("#revoke-others")]);
      assert.equal(await one.locator("#sessions tr").count(), 1);
      await signedOut(two, "revoke-others");
      assert.equal(await s.signedIn(one), true);
      assert.equal(await s.cartStatus(one), 200);

      await s.signIn(two, "bob@shop.test", "bob-password");
      await s.checkout(two);
      await one.goto(s.url(WWW, "/sessions"));
      await Promise.all([one.waitForURL(s.url(WWW, "/")), one.click("#revoke-all")]);
      await signedOut(one, "revoke-all, this device");
      await signedOut(two, "revoke-all, the other device");

      await both();
      await one.goto(s.url(WWW, "/checkout"));
      await Promise.all([one.waitForURL(s.url(WWW, "/")), one.click("#logout")]);
      assert.ok(
        !(await one.context().cookies(s.url(WWW, "/"))).some((c) => c.name === WWW_COOKIE),
        "logout cleared the cookie",
      );
      await signedOut(one, "logout");
      assert.equal(await s.signedIn(two), true, "logout ends only this device");

      await s.signIn(one, "bob@shop.test", "bob-password");
      await s.checkout(one);
      const admin = await s.page();
      await s.signIn(admin, "admin@shop.test", "admin-password");
      await admin.goto(s.url(WWW, "/admin"));
      await Promise.all([
        admin.waitForURL(s.url(WWW, "/admin")),
        admin.click('form[action="/admin/users/bob/revoke-all"] button'),
      ]);
      await signedOut(one, "admin sign-out, device one");
      await signedOut(two, "admin sign-out, device two");
      assert.equal(await s.signedIn(admin), true);
    },
  },
  {
    name: "7 personalized pages: Cache-Control private, no-store and Vary: Cookie",
    async run(s) {
      const page = await s.page();
      await s.signIn(page, "alice@shop.test", "alice-password");
      for (const path of ["/checkout", "/me", "/sessions", "/csrf"]) {
        const r = await page.goto(s.url(WWW, path));
        assert.equal(r?.status(), 200, path);
        const headers = r?.headers() ?? {};
        assert.match(
          headers["cache-control"] ?? "",
          /\bprivate\b/,
          `${path}: ${headers["cache-control"]}`,
        );
        assert.match(headers["cache-control"] ?? "", /\bno-store\b/, path);
        assert.match(headers.vary ?? "", /\bCookie\b/, path);
      }
    },
  },
];

/** The seven steps in Chromium against a shop on `open()`'s stores. */
export function shopBrowserSuite(label: string, open: () => Promise<ShopStores>): void {
  describe(`the shop in Chromium, sessions in ${label}`, {
    timeout: STEPS.length * STEP_TIMEOUT_MS,
  }, () => {
    let f: (Fixture & { close(): Promise<void> }) | undefined;
    before(async () => {
      f = await startFixture(await open());
    });
    after(async () => {
      await f?.close();
    });
    for (const step of STEPS) {
      test(step.name, { timeout: STEP_TIMEOUT_MS }, async () => {
        const s = new Step(f as Fixture);
        try {
          await step.run(s);
        } catch (error) {
          await s.photographFailure(label, step.name.split(" ")[0] ?? "step");
          throw error;
        } finally {
          await s.close();
        }
      });
    }
  });
}
