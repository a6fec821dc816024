// Load on the shop, on Redis, over real HTTPS: many connections of authenticated reads and
// CSRF-protected writes (preferences in the session) from many distinct sessions. No errors,
// and every acknowledged write is in the store afterwards. `npm test` runs a short version;
// `npm run soak` the full one: 100 connections, 60 seconds, 1,000 sessions.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startShop } from "../../examples/shop/server.js";
import { WWW_COOKIE } from "../../examples/shop/shop.js";
import { storeKey } from "../../src/session/tokens.js";
import { dropNodeRedis, nodeRedis } from "../redis.js";
import { ShopClient } from "../shop/client.js";
import { type Answer, percentile, type Sender, startLoad, tally } from "./load.js";
import { SOAK } from "./soak.js";

const SESSIONS = SOAK ? 1_000 : 60;
const CONNECTIONS = SOAK ? 100 : 12;
const DURATION_MS = SOAK ? 60_000 : 4_000;
const WWW = "www.shop.test";
const USERS = [
  ["alice@shop.test", "alice-password"],
  ["bob@shop.test", "bob-password"],
  ["admin@shop.test", "admin-password"],
] as const;

test(`the shop on Redis: ${CONNECTIONS} connections, ${DURATION_MS / 1000} s, ${SESSIONS} sessions`, async () => {
  const prefix = `sjload_${randomBytes(4).toString("hex")}`;
  const dataDir = mkdtempSync(join(tmpdir(), "shop-load-"));
  const shop = await startShop({
    port: 0,
    httpPort: 0,
    store: "redis://127.0.0.1:6379",
    storePrefix: prefix,
    dataDir,
  });
  const redis = await nodeRedis();
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca: shop.certificate.cert });
  try {
    const target = { port: shop.port, ca: shop.certificate.cert };
    const origin = `https://${WWW}:${shop.port}`;
    const cookies: string[] = [];
    const tokens: string[] = [];
    for (let i = 0; i < SESSIONS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, SESSIONS - i) }, async (_, j) => {
          const [email, password] = USERS[(i + j) % USERS.length] as readonly [string, string];
          const c = new ShopClient(target, WWW);
          assert.equal((await c.login(email, password)).status, 200);
          const token = (await c.get("/csrf")).json<{ token: string }>().token;
          return { cookie: c.cookies.get(WWW_COOKIE) as string, token };
        }),
      );
      for (const b of batch) {
        cookies.push(b.cookie);
        tokens.push(b.token);
      }
    }

    const send: Sender = (step, session, signal) =>
      new Promise<Answer>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port: shop.port,
            servername: WWW,
            agent,
            method: step.method,
            path: step.path,
            signal,
            headers: {
              host: `${WWW}:${shop.port}`,
              accept: "application/json",
              cookie: `${WWW_COOKIE}=${cookies[session]}`,
              ...(step.headers ?? {}),
              ...(step.method === "POST"
                ? {
                    origin,
                    "sec-fetch-site": "same-origin",
                    "content-type": "application/json",
                    "x-csrf-token": tokens[session] as string,
                  }
                : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("error", reject);
            res.on("end", () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString("utf8"),
                setCookie: res.headers["set-cookie"] ?? [],
              }),
            );
          },
        );
        req.on("error", reject);
        req.end(step.body);
      });

    const writesOf: number[] = [];
    const load = startLoad({
      send,
      sessions: SESSIONS,
      cookieName: WWW_COOKIE,
      connections: CONNECTIONS,
      step: (loop, n, session) => {
        // The shop keeps at most 50 preferences a session: past 45 writes, a session only reads.
        if (n % 3 !== 2 || (writesOf[session] ?? 0) >= 45)
          return { method: "GET", path: n % 3 === 0 ? "/me" : "/preferences" };
        writesOf[session] = (writesOf[session] ?? 0) + 1;
        const name = `w${loop}-${n}`;
        const value = randomBytes(6).toString("hex");
        return {
          method: "POST",
          path: "/preferences",
          body: JSON.stringify({ name, value }),
          write: { key: `pref.${name}`, value },
        };
      },
    });
    await sleep(DURATION_MS);
    const { samples, durationMs } = await load.stop();

    const ok = samples.filter((x) => x.status === 200);
    const writes = samples.filter((x) => x.write !== undefined && x.status === 200);
    let found = 0;
    for (const x of writes) {
      const record = await shop.stores.www.get(storeKey(cookies[x.session] as string));
      if (x.write !== undefined && record?.data[x.write.key] === x.write.value) found++;
    }
    const ms = ok.map((x) => x.ms);
    console.log(
      `shop load[redis]: ${samples.length} requests in ${(durationMs / 1000).toFixed(1)} s ` +
        `(${Math.round(samples.length / (durationMs / 1000))} req/s), ${JSON.stringify(tally(samples, (x) => String(x.status)))}, ` +
        `p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms; ` +
        `${writes.length} writes acknowledged, ${found} in the store`,
    );
    assert.deepEqual(
      tally(samples, (x) => String(x.status)),
      { "200": samples.length },
    );
    assert.ok(writes.length > 0);
    assert.equal(found, writes.length);
  } finally {
    agent.destroy();
    await shop.close();
    await dropNodeRedis(redis, `${prefix}:*`);
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
