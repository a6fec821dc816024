// The shop when its Redis goes away and comes back: requests with a session get 503 with a
// code (fail closed: nobody is signed out, the cookie stays, nothing is written), requests
// without one still work, and the same session works again once Redis is back, without a
// restart. Redis is reached through a TCP relay that the test cuts and restores.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type RunningShop, startShop } from "../../examples/shop/server.js";
import { WWW_COOKIE } from "../../examples/shop/shop.js";
import { dropNodeRedis, nodeRedis } from "../redis.js";
import { ShopClient, send, type Target } from "./client.js";

const prefix = `shoptest_${randomBytes(4).toString("hex")}`;
const sockets = new Set<Socket>();
let relay: Server;
let relayPort: number;
let running: RunningShop;
let target: Target;
let dataDir: string;

function openRelay(port: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: 6379 });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function cutRelay(): Promise<void> {
  return new Promise((resolve) => {
    relay.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}

before(async () => {
  relay = await openRelay(0);
  relayPort = (relay.address() as { port: number }).port;
  dataDir = mkdtempSync(join(tmpdir(), "shop-down-"));
  running = await startShop({
    port: 0,
    httpPort: 0,
    store: `redis://127.0.0.1:${relayPort}`,
    storePrefix: prefix,
    dataDir,
  });
  target = { port: running.port, ca: running.certificate.cert };
});

after(async () => {
  await running.close();
  if (relay.listening) await cutRelay();
  rmSync(dataDir, { recursive: true, force: true });
  const client = await nodeRedis();
  await dropNodeRedis(client, `${prefix}:*`);
  await client.close();
});

test("Redis down: 503 with a code and the cookie kept; back up: the same session works", async () => {
  const c = new ShopClient(target, "www.shop.test");
  assert.equal((await c.login("alice@shop.test", "alice-password")).status, 200);
  const token = (await c.get("/csrf")).json<{ token: string }>().token;
  const cookie = c.cookieHeader();

  await cutRelay();
  const me = await send(target, "www.shop.test", "/me", { headers: { cookie } });
  assert.equal(me.status, 503);
  assert.equal(me.json<{ error: { code: string } }>().error.code, "session_store_unavailable");
  assert.ok(Number(me.headers["retry-after"]) > 0);
  assert.deepEqual(me.setCookie, [], "the cookie is neither cleared nor replaced");
  const out = await send(target, "www.shop.test", "/logout", {
    method: "POST",
    headers: { cookie, origin: c.origin, "sec-fetch-site": "same-origin", "x-csrf-token": token },
  });
  assert.equal(out.status, 503);
  // Without a session cookie nothing touches the store.
  assert.equal((await send(target, "www.shop.test", "/")).status, 200);
  assert.ok(
    running.shop.metrics
      .render()
      .includes('sessionjar_session_store_errors_total{app="www",operation="get"'),
  );

  relay = await openRelay(relayPort);
  let back = 0;
  // node-redis reconnects on its own schedule: poll by request count, not by time.
  for (let i = 0; i < 200 && back !== 200; i++) {
    back = (await send(target, "www.shop.test", "/me", { headers: { cookie } })).status;
    if (back !== 200) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(back, 200, "the session survived the outage, logout included");
  assert.ok(c.cookies.has(WWW_COOKIE));
});
