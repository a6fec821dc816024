// Periodic rotation in a real browser: a page has requests in flight with its session cookie
// when the session rotates. They must still be served (read-only), the response that rotates
// must give Chromium the new cookie, and the responses that come after it must not put the old
// one back: the page goes on signed in, on the new token, and the old token dies with its grace.
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { withSessions } from "../../src/adapters/node/index.js";
import { createSessions, type SessionEvent } from "../../src/session/index.js";
import { storeKey } from "../../src/session/tokens.js";
import { memoryStore } from "../../src/stores/index.js";
import {
  ACTION_TIMEOUT_MS,
  type BrowserHarness,
  startBrowserHarness,
  withTimeout,
} from "./harness.js";

const WWW = "www.shop.test";
const COOKIE = "__Host-session";
const INTERVAL_S = 900;
const GRACE_S = 10;

/** The clock of the sessions and their store, moved by the test. */
let now = Date.now();
const store = memoryStore({ now: () => now });
const sessions = createSessions({
  store,
  rotation: { interval: INTERVAL_S, grace: GRACE_S },
  now: () => now,
});
const events: SessionEvent[] = [];
sessions.on("*", (e) => events.push(e));

/** Requests held by the server until the test opens them, by name. */
const held = new Map<string, () => void>();
/** The session cookie each request carried, in arrival order. */
const seen: { path: string; carried: string | undefined }[] = [];

function cookieValue(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return value.join("=");
  }
  return undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

const app = withSessions(
  sessions,
  async (req, res, session) => {
    const url = new URL(req.url ?? "/", "https://x");
    seen.push({ path: url.pathname, carried: cookieValue(req) });
    // `wait`: held after the session was loaded (a slow handler).
    const hold = async (): Promise<void> => {
      const name = url.searchParams.get("wait");
      if (name !== null) await new Promise<void>((open) => held.set(name, open));
    };
    switch (`${req.method} ${url.pathname}`) {
      case "GET /start":
        await session.signIn("alice");
        session.set("cart", ["tea"]);
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        // No favicon request: one sent after the clock moves would rotate the session first.
        res.end('<!doctype html><title>app</title><link rel="icon" href="data:,"><p>signed in</p>');
        return;
      case "GET /api/cart":
        await hold();
        json(res, 200, { userId: session.userId, cart: session.get("cart") ?? null });
        return;
      case "POST /api/cart":
        await hold();
        session.set("cart", ["tea", "cake"]);
        json(res, 200, { ok: true });
        return;
      case "GET /api/me":
        json(res, session.userId === null ? 401 : 200, { userId: session.userId });
        return;
      default:
        json(res, 404, { error: { code: "not_found" } });
    }
  },
  { csrf: false },
);

/** `hold`: held before the session is loaded (a request still on its way when another rotates). */
async function server(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = new URL(req.url ?? "/", "https://x").searchParams.get("hold");
  if (name !== null) await new Promise<void>((open) => held.set(name, open));
  await app(req, res);
}

/** page.evaluate has no timeout of its own: bound it like every other page action. */
function evaluate(page: Page, expression: string): Promise<unknown> {
  return withTimeout(expression, ACTION_TIMEOUT_MS, page.evaluate(expression));
}

async function sessionCookie(context: BrowserContext, h: BrowserHarness): Promise<string> {
  const found = (await context.cookies(h.url(WWW, "/"))).filter((c) => c.name === COOKIE);
  assert.equal(found.length, 1, `cookies: ${JSON.stringify(found)}`);
  return found[0]?.value ?? "";
}

describe("periodic rotation in real Chromium", { timeout: 60_000 }, () => {
  let harness: BrowserHarness | undefined;
  before(async () => {
    harness = await startBrowserHarness({ hosts: { [WWW]: server } });
  });
  after(async () => {
    await harness?.close();
    await store.close?.();
  });

  test("requests in flight when the session rotates are served read-only, and the browser keeps the new cookie", {
    timeout: 30_000,
  }, async () => {
    const h = harness as BrowserHarness;
    const context = await h.newContext();
    const page = await context.newPage();
    await page.goto(h.url(WWW, "/start"));
    const first = await sessionCookie(context, h);

    now += (INTERVAL_S + 1) * 1000;
    // The page's calls leave with the first cookie: two and a write wait before the server
    // reads their session (still on their way), one after (a slow handler).
    await evaluate(
      page,
      `window.inFlight = Promise.all([
        ...["hold=read1", "hold=read2", "wait=read3"].map((q) =>
          fetch("/api/cart?" + q).then(async (r) => ({ status: r.status, body: await r.json() }))),
        fetch("/api/cart?hold=write", { method: "POST" }).then(async (r) => ({ status: r.status, body: await r.json() })),
      ]); 0`,
    );
    const deadline = Date.now() + ACTION_TIMEOUT_MS;
    while (held.size < 4) {
      assert.ok(Date.now() < deadline, `only ${held.size} requests reached the server`);
      await new Promise((r) => setTimeout(r, 10));
    }
    // One more call, after the interval: its response rotates the session.
    assert.deepEqual(await evaluate(page, `fetch("/api/me").then((r) => r.status)`), 200);
    const second = await sessionCookie(context, h);
    assert.notEqual(second, first, "the browser did not get a new token");
    assert.equal(events.filter((e) => e.type === "rotated" && e.reason === "periodic").length, 1);

    for (const open of held.values()) open();
    held.clear();
    const answers = (await evaluate(page, "window.inFlight")) as {
      status: number;
      body: { userId?: string; cart?: string[]; error?: { code: string } };
    }[];
    for (const read of answers.slice(0, 3)) {
      assert.deepEqual(read, { status: 200, body: { userId: "alice", cart: ["tea"] } });
    }
    assert.equal(answers[3]?.status, 409);
    assert.equal(answers[3]?.body.error?.code, "session_conflict");
    // They left with the first token, and their answers, which came after the rotation's, did
    // not put it back: the browser still has the new one.
    assert.deepEqual(
      seen.filter((s) => s.path === "/api/cart").map((s) => s.carried),
      [first, first, first, first],
    );
    assert.equal(await sessionCookie(context, h), second);

    // The write, retried, goes out with the new cookie and lands.
    assert.equal(
      await evaluate(page, `fetch("/api/cart", { method: "POST" }).then((r) => r.status)`),
      200,
    );
    assert.deepEqual(await evaluate(page, `fetch("/api/cart").then((r) => r.json())`), {
      userId: "alice",
      cart: ["tea", "cake"],
    });
    assert.equal(seen.at(-1)?.carried, second);
    // Past the grace window the first token is dead; the page, on the second, is not.
    now += (GRACE_S + 1) * 1000;
    assert.equal(await store.get(storeKey(first)), null);
    assert.notEqual(await store.get(storeKey(second)), null);
    assert.equal(await evaluate(page, `fetch("/api/me").then((r) => r.status)`), 200);
    await context.close();
  });
});
