// Typed session data declared as an `interface`. `npm test` type-checks this file first, so the
// `@ts-expect-error` lines below fail the run if a wrong key or value stops being an error, and
// the rest fails it if an interface stops being accepted (TS2344) anywhere data is typed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { getSession as expressSession, sessionMiddleware } from "../adapters/express/index.js";
import { getSession as fastifySession } from "../adapters/fastify/index.js";
import { sessions as honoSessions, type SessionEnv } from "../adapters/hono/index.js";
import { withSessions as nodeSessions } from "../adapters/node/index.js";
import { withSessions as webSessions } from "../adapters/web/index.js";
import { memoryStore } from "../stores/memory.js";
import { createSessions, type SessionRequest } from "./create-sessions.js";
import type { RequestSession } from "./request-session.js";

interface ShopData {
  cart: string[];
  returnTo?: string;
}

function request(cookie?: string): SessionRequest {
  return { header: (name) => (name === "cookie" ? cookie : undefined), encrypted: true };
}

// Never called: it only has to fail to type-check where marked.
export function misuses(session: RequestSession<ShopData>): void {
  // @ts-expect-error: cart holds strings
  session.set("cart", 1);
  // @ts-expect-error: undefined is no JSON value: unset("returnTo") removes an optional key
  session.set("returnTo", undefined);
  // @ts-expect-error: no such key in ShopData
  session.get("basket");
  // @ts-expect-error: carry names keys of ShopData only
  void session.signIn("alice", { carry: ["basket"] });
  // @ts-expect-error: signIn data must fit ShopData
  void session.signIn("alice", { data: { cart: "tea" } });
}

interface Folder {
  name: string;
  children: Folder[];
  pinned?: readonly [string, number];
  flags: Record<string, boolean | null>;
}

// Never called: data that JSON would change fails to type-check, and JSON of any shape does not.
export function shapes(): void {
  createSessions<{ folder: Folder; notes: unknown; any: Record<string, unknown> }>({
    store: memoryStore(),
  });
  // @ts-expect-error: a Date comes back from the store as a string
  createSessions<{ signedUpAt: Date }>({ store: memoryStore() });
  // @ts-expect-error: a Date deep inside data too
  createSessions<{ orders: { at: Date | null }[] }>({ store: memoryStore() });
  // @ts-expect-error: a Map comes back as {}
  createSessions<{ seen: Map<string, number> }>({ store: memoryStore() });
  // @ts-expect-error: a function is dropped by JSON
  createSessions<{ onExpire: () => void }>({ store: memoryStore() });
  // @ts-expect-error: a bigint cannot be written as JSON
  createSessions<{ balance: bigint }>({ store: memoryStore() });
}

test("an interface types get, set, unset and signIn, and its data round-trips", async () => {
  const sessions = createSessions<ShopData>({ store: memoryStore() });
  const first = await sessions.load(request());
  await first.signIn("alice", { data: { cart: ["tea"] }, carry: ["returnTo"] });
  first.set("returnTo", "/checkout");
  const cookie = (await first.commit()).setCookie[0] ?? "";
  const token = /^__Host-session=([^;]+)/.exec(cookie)?.[1];
  assert.ok(token !== undefined, `no session cookie in ${cookie}`);

  const again = await sessions.load(request(`__Host-session=${token}`));
  const cart: string[] | undefined = again.get("cart");
  const returnTo: string | undefined = again.get("returnTo");
  assert.deepEqual(cart, ["tea"]);
  assert.equal(returnTo, "/checkout");
  again.unset("returnTo");
  await again.commit();
  assert.equal(
    (await sessions.load(request(`__Host-session=${token}`))).get("returnTo"),
    undefined,
  );
});

test("every adapter takes a manager and hands out sessions typed by an interface", () => {
  const sessions = createSessions<ShopData>({ store: memoryStore() });
  const typed = (session: RequestSession<ShopData>): string[] | undefined => session.get("cart");
  const onNode = nodeSessions(
    sessions,
    (_req, res, session) => {
      typed(session);
      res.end();
    },
    { csrf: false },
  );
  const onWeb = webSessions(
    sessions,
    (_request, session) => {
      typed(session);
      return new Response(null, { status: 204 });
    },
    { csrf: false },
  );
  const hono = new Hono<SessionEnv<ShopData>>().use(honoSessions(sessions, { csrf: false }));
  hono.get("/", (c) => c.json({ cart: typed(c.get("session")) ?? [] }));
  const express = sessionMiddleware(sessions, { csrf: false });
  const fromExpress: (req: never) => RequestSession<ShopData> = expressSession<ShopData>;
  const fromFastify: (request: never) => RequestSession<ShopData> = fastifySession<ShopData>;
  for (const made of [onNode, onWeb, express, fromExpress, fromFastify]) {
    assert.equal(typeof made, "function");
  }
});
