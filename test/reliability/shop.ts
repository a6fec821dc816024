// The shop as the reliability suites drive it: started on a given store, signed in from many
// sessions (each with its CSRF token), and a keep-alive HTTPS sender for the load generator.
// Reads are GET /me and GET /preferences; writes are POST /preferences, one session data key
// each, so every acknowledged write can be looked up in the store afterwards.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningShop, startShop } from "../../examples/shop/server.js";
import { WWW_COOKIE } from "../../examples/shop/shop.js";
import { storeKey } from "../../src/session/tokens.js";
import { ShopClient } from "../shop/client.js";
import type { Answer, LoadStep, Sender } from "./load.js";

const WWW = "www.shop.test";
const USERS = [
  ["alice@shop.test", "alice-password"],
  ["bob@shop.test", "bob-password"],
  ["admin@shop.test", "admin-password"],
] as const;

/** A running shop with signed-in sessions, ready for load. */
export interface ShopUnderLoad {
  readonly shop: RunningShop;
  readonly cookieName: string;
  readonly sessions: number;
  send: Sender;
  step(loop: number, n: number, session: number): LoadStep;
  /** The value the store holds for session number `session` at `key`, or undefined. */
  stored(session: number, key: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts the shop on `store` (a --store spec) and signs `sessions` sessions in, 10 at a time. */
export async function shopUnderLoad(options: {
  store: string;
  storePrefix: string;
  sessions: number;
  connections: number;
}): Promise<ShopUnderLoad> {
  const dataDir = mkdtempSync(join(tmpdir(), "shop-load-"));
  const shop = await startShop({
    port: 0,
    httpPort: 0,
    store: options.store,
    storePrefix: options.storePrefix,
    dataDir,
  });
  const target = { port: shop.port, ca: shop.certificate.cert };
  const origin = `https://${WWW}:${shop.port}`;
  const cookies: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < options.sessions; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, options.sessions - i) }, async (_, j) => {
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
  const agent = new Agent({
    keepAlive: true,
    maxSockets: options.connections,
    ca: shop.certificate.cert,
  });
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
              sentCookie: cookies[session] as string,
            }),
          );
        },
      );
      req.on("error", reject);
      req.end(step.body);
    });
  const writesOf: number[] = [];
  return {
    shop,
    cookieName: WWW_COOKIE,
    sessions: options.sessions,
    send,
    step(loop, n, session) {
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
    async stored(session, key) {
      const record = await shop.stores.www.get(storeKey(cookies[session] as string));
      return record?.data[key];
    },
    async close() {
      agent.destroy();
      await shop.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
