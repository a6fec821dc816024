// docs/sessions.md walks a new user through an Express app. This test runs that app as the page
// writes it: the TypeScript blocks of sections 1 to 5, in order, with only what the page calls
// "yours" filled in (checkPassword, requireAdmin, the CSRF secret, the TLS files) and the origin
// and port it runs at. Then it goes through every step of the page over real HTTPS.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:https";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "node:tls";
import { fileURLToPath, pathToFileURL } from "node:url";
import { makeCertificate } from "../../examples/shop/certificate.js";
import { ShopClient, type Target } from "../shop/client.js";
import { freePort } from "./page-app.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const page = readFileSync(join(root, "docs/sessions.md"), "utf8");
const HOST = "shop.example";

/** The ```ts blocks from "## 1." up to "## 6.", in the page's order. */
function appBlocks(): string[] {
  const from = page.indexOf("\n## 1. ");
  const to = page.indexOf("\n## 6. ");
  assert.ok(from > 0 && to > from, "docs/sessions.md lost its sections 1 to 6");
  return [...page.slice(from, to).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

// What the page leaves to the application.
const YOURS = `
const users = new Map([["ada@shop.example", { id: "ada", password: "correct horse" }]]);
async function checkPassword(email: string, password: string): Promise<{ id: string } | null> {
  const u = users.get(email);
  return u !== undefined && u.password === password ? { id: u.id } : null;
}
function requireAdmin(req: express.Request, res: express.Response, next: express.NextFunction): void {
  if (getSession(req).userId === "ada") next();
  else res.status(403).json({ error: { code: "forbidden", message: "administrators only" } });
}
`;

/**
 * The page's app as one module: its imports pointed at src/, its server on `port` with the
 * test's certificate in `tls`, and the app and server exported.
 */
function assemble(origin: string, port: number, tls: string): string {
  const blocks = appBlocks();
  // The local-development variant of section 1 redefines what the first block made.
  const code = blocks.filter((b) => !b.includes("insecureLocalhost: true")).join("\n");
  assert.ok(code.includes('origin: "https://shop.example"'), "the page's CSRF origin changed");
  const imports = code.match(/^import[\s\S]*?;\n/gm) ?? [];
  const body = imports.reduce((rest, i) => rest.replace(i, ""), code);
  const sourced = imports
    .join("")
    .replace(
      /from "sessionjar\/([a-z/]+)"/g,
      (_, sub: string) =>
        `from ${JSON.stringify(pathToFileURL(join(root, "src", sub, "index.ts")).href)}`,
    );
  const served = body
    .replace('origin: "https://shop.example"', `origin: ${JSON.stringify(origin)}`)
    .replace('"tls/key.pem"', JSON.stringify(join(tls, "key.pem")))
    .replace('"tls/cert.pem"', JSON.stringify(join(tls, "cert.pem")))
    .replace("server.listen(443);", `server.listen(${port}, "127.0.0.1");`);
  assert.ok(served.includes(`server.listen(${port}`), "the page no longer starts its server");
  return `${sourced}${YOURS}${served}\nexport { app, server, sessions };\n`;
}

describe("docs/sessions.md, run as written", () => {
  // Beside node_modules, so that the page's `import express from "express"` resolves.
  const dir = join(root, "node_modules", ".cache", "sessionjar-docs");
  let server: Server;
  let target: Target;
  let browser: () => ShopClient;

  before(async () => {
    const cert = await makeCertificate([HOST]);
    const port = await freePort();
    target = { port, ca: cert.cert };
    browser = () => new ShopClient(target, HOST);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "key.pem"), cert.key);
    writeFileSync(join(dir, "cert.pem"), cert.cert);
    const file = join(dir, `app-${process.pid}.ts`);
    writeFileSync(file, assemble(`https://${HOST}:${port}`, port, dir));
    process.env.CSRF_SECRET = "docs-test-secret-of-more-than-32-bytes";
    ({ server } = (await import(pathToFileURL(file).href)) as { server: Server });
    if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("section 2: the sign-in form needs a CSRF token, and gets one from GET /csrf", async () => {
    const b = browser();
    const refused = await b.postWithoutToken("/login", {
      email: "ada@shop.example",
      password: "correct horse",
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.json<{ error: { code: string } }>().error.code, "csrf_token_missing");
    assert.equal((await b.post("/login", { email: "ada@shop.example" })).status, 400);
    assert.equal(
      (await b.post("/login", { email: "ada@shop.example", password: "wrong" })).status,
      401,
    );
  });

  test("section 2: sign-in sets the __Host- cookie with the page's attributes, no-store", async () => {
    const b = browser();
    const r = await b.login("ada@shop.example", "correct horse");
    assert.equal(r.status, 200);
    const { user, token } = r.json<{ user: string; token: string }>();
    assert.equal(user, "ada");
    // The token of the answer is the new session's: it passes an unsafe request.
    assert.equal(
      (await b.postWithoutToken("/cart", { sku: "tea" }, { "x-csrf-token": token })).status,
      200,
    );
    assert.equal(r.headers["cache-control"], "no-store");
    const line = r.setCookie.find((l) => l.startsWith("__Host-session="));
    assert.match(
      line ?? "",
      /^__Host-session=[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{43}; Max-Age=1800; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    );
  });

  test("section 3: reading and changing the session, private and Vary: Cookie", async () => {
    const b = browser();
    assert.equal((await b.get("/me")).status, 401);
    assert.equal((await b.post("/cart", { sku: "tea" })).status, 200); // an anonymous cart
    assert.equal((await b.post("/cart", {})).status, 400);
    await b.login("ada@shop.example", "correct horse");
    const me = await b.get("/me");
    assert.equal(me.status, 200);
    assert.equal(me.headers["cache-control"], "private");
    assert.equal(me.headers.vary, "Cookie");
    const body = me.json<{ user: string; cart: string[] }>();
    assert.equal(body.user, "ada");
    assert.deepEqual(body.cart, ["tea"], "the cart filled before sign-in is carried over");
  });

  test("section 5: devices, sign out other devices, log out all devices, sign out", async () => {
    const phone = browser();
    const laptop = browser();
    await phone.login("ada@shop.example", "correct horse");
    await laptop.login("ada@shop.example", "correct horse");
    const tablet = browser();
    await tablet.login("ada@shop.example", "correct horse");
    const list = await laptop.get("/sessions");
    assert.equal(list.headers["cache-control"], "private");
    const devices = list.json<{ id: string; current: boolean }[]>();
    assert.ok(devices.length >= 3);
    assert.equal(devices.filter((d) => d.current).length, 1);

    const current = devices.find((d) => d.current);
    const other = devices.find((d) => !d.current);
    assert.ok(current !== undefined && other !== undefined);
    const one = await laptop.post(`/sessions/${other.id}/revoke`);
    assert.deepEqual(one.json(), { revoked: true });

    const others = await laptop.post("/sessions/revoke-others");
    assert.ok((others.json<{ revoked: number }>().revoked ?? 0) >= 1);
    assert.equal((await phone.get("/me")).status, 401);
    assert.equal((await tablet.get("/me")).status, 401);
    assert.equal((await laptop.get("/me")).status, 200);

    await phone.login("ada@shop.example", "correct horse");
    const all = await laptop.post("/sessions/revoke-all");
    assert.deepEqual(all.json(), { revoked: 2 });
    assert.equal(laptop.cookies.has("__Host-session"), false, "its own cookie is cleared");
    assert.equal((await phone.get("/me")).status, 401);

    await phone.login("ada@shop.example", "correct horse");
    const out = await phone.post("/logout");
    assert.equal(out.status, 303);
    assert.match(
      out.setCookie.find((l) => l.startsWith("__Host-session=")) ?? "",
      /^__Host-session=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    );
    assert.equal((await phone.get("/me")).status, 401);
  });

  test("serving it: a request Node's parser refuses gets the JSON error too", async () => {
    const socket = connect({
      host: "127.0.0.1",
      port: target.port,
      ca: target.ca,
      servername: HOST,
    });
    await once(socket, "secureConnect");
    socket.end(`GET /me HTTP/1.1\r\nHost: ${HOST}\r\nX-Pad: ${"a".repeat(20_000)}\r\n\r\n`);
    let raw = "";
    for await (const chunk of socket) raw += String(chunk);
    assert.match(raw, /^HTTP\/1\.1 431 /);
    assert.match(raw, /"code":"header_too_large"/);
  });

  test("section 5: the forced sign-out is for administrators only", async () => {
    const ada = browser();
    await ada.login("ada@shop.example", "correct horse");
    const victim = browser();
    await victim.login("ada@shop.example", "correct horse");
    assert.equal((await browser().post("/admin/users/ada/revoke-all")).status, 403);
    const forced = await ada.post("/admin/users/ada/revoke-all");
    assert.equal(forced.status, 200);
    assert.equal((await victim.get("/me")).status, 401);
  });
});
