// Load on the shop, on Redis, over real HTTPS: many connections of authenticated reads and
// CSRF-protected writes (preferences in the session) from many distinct sessions. No errors,
// and every acknowledged write is in the store afterwards. `npm test` runs a short version;
// `npm run soak` the full one: 100 connections, 60 seconds, 1,000 sessions.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { dropNodeRedis, nodeRedis } from "../redis.js";
import { percentile, startLoad, tally } from "./load.js";
import { shopUnderLoad } from "./shop.js";
import { SOAK } from "./soak.js";

const SESSIONS = SOAK ? 1_000 : 60;
const CONNECTIONS = SOAK ? 100 : 12;
const DURATION_MS = SOAK ? 60_000 : 4_000;

test(`the shop on Redis: ${CONNECTIONS} connections, ${DURATION_MS / 1000} s, ${SESSIONS} sessions`, async () => {
  const prefix = `sjload_${randomBytes(4).toString("hex")}`;
  const redis = await nodeRedis();
  const target = await shopUnderLoad({
    store: "redis://127.0.0.1:6379",
    storePrefix: prefix,
    sessions: SESSIONS,
    connections: CONNECTIONS,
  });
  try {
    const load = startLoad({ ...target, connections: CONNECTIONS });
    await sleep(DURATION_MS);
    const { samples, durationMs } = await load.stop();

    const ok = samples.filter((x) => x.status === 200);
    const writes = samples.filter((x) => x.write !== undefined && x.status === 200);
    let found = 0;
    for (const x of writes)
      if (x.write !== undefined && (await target.stored(x.session, x.write.key)) === x.write.value)
        found++;
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
    await target.close();
    await dropNodeRedis(redis, `${prefix}:*`);
    await redis.quit();
  }
});
