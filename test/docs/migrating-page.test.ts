// docs/migrating.md maps express-session, csurf and csrf-csrf habits to sessionjar. This test
// type-checks every TypeScript block of the page (a fragment, without imports, inside the route
// that the page says it belongs to) and runs its whole Express app over real HTTP: sign-in with
// a CSRF token, a cart, a flash shown once, sign-out.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, describe, test } from "node:test";
import { blockOf, client, closeApps, freePort, loadApp, readPage, typeCheck } from "./page-app.js";

const page = readPage("migrating.md");

// What the page says a fragment has around it: the route's req and res, the session's Data, the
// adapter's helpers; and the names its samples use (sku, user).
const ROUTE = `
import type { Request, Response } from "express";
import { getCsrfToken, getSession } from "sessionjar/adapters/express";
type Data = { cart: string[]; flash: string; returnTo: string };
declare const req: Request;
declare const res: Response;
declare const sku: string;
declare const user: { id: string };
`;

/**
 * Every ```ts block of the page, a fragment wrapped in its route. Two are left out: zod is not
 * installed here, and the `declare global` of `req.session` would clash with express-session's,
 * which bench/servers/ uses: the clash the page warns of.
 */
function blocks(): { name: string; code: string }[] {
  return [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m, i) => ({ name: `block ${i + 1}`, code: m[1] as string }))
    .filter((b) => !b.code.includes('from "zod"') && !b.code.includes("declare global"))
    .map((b) => (/^import /m.test(b.code) ? b : { ...b, code: `${ROUTE}\n${b.code}` }));
}

describe("docs/migrating.md, run as written", () => {
  const servers: Server[] = [];
  process.env.CSRF_SECRET = "docs-test-secret-of-more-than-32-bytes";
  after(() => closeApps(servers));

  test("every block compiles under the repository's strict options", () => {
    const all = blocks();
    assert.ok(all.length >= 10, `only ${all.length} blocks`);
    assert.equal(typeCheck(all), "");
  });

  test("the whole app: sign-in with CSRF, a cart, a flash once, sign-out", async () => {
    const port = await freePort();
    servers.push(await loadApp(blockOf(page, "The whole app"), "migrating", port));
    const send = client(port);
    const code = (a: { body: Record<string, unknown> }) => (a.body.error as { code: string }).code;

    const refused = await send("POST", "/cart/tea");
    assert.equal(refused.status, 403);
    assert.equal(code(refused), "csrf_token_missing");
    // csurf's _csrf (here in the query string) is not read: only X-CSRF-Token or csrf_token.
    const { token } = (await send("GET", "/csrf")).body as { token: string };
    const csurfField = await send("POST", `/cart/tea?_csrf=${encodeURIComponent(token)}`);
    assert.equal(code(csurfField), "csrf_token_missing");

    // An anonymous cart, then sign-in: only the cart is carried, not its flash.
    assert.equal((await send("POST", "/cart/tea", { "x-csrf-token": token })).status, 200);
    const signedIn = await send("POST", "/login", { "x-csrf-token": token });
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.match(signedIn.res.headers.getSetCookie().join("\n"), /__Host-session=/);
    assert.deepEqual((await send("GET", "/cart")).body, {
      user: "alice",
      cart: ["tea"],
      flash: null,
    });
    // The pre-sign-in token is refused now; the sign-in's answer carries the new one.
    const stale = await send("POST", "/cart/mug", { "x-csrf-token": token });
    assert.equal(code(stale), "csrf_token_invalid");
    const next = signedIn.body.token as string;
    assert.equal((await send("POST", "/cart/mug", { "x-csrf-token": next })).status, 200);

    const first = await send("GET", "/cart");
    assert.deepEqual(first.body, { user: "alice", cart: ["tea", "mug"], flash: "Added mug" });
    assert.deepEqual((await send("GET", "/cart")).body.flash, null, "a flash is shown once");

    assert.equal((await send("POST", "/logout", { "x-csrf-token": next })).status, 200);
    assert.deepEqual((await send("GET", "/cart")).body, { user: null, cart: [], flash: null });
  });
});
