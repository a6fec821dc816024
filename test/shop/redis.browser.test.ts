// The shop's story in Chromium with sessions in Redis (127.0.0.1:6379), under a key prefix of
// its own that is deleted afterwards.
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import { openStores } from "../../examples/shop/stores.js";
import { dropNodeRedis, nodeRedis, REDIS_URL } from "../redis.js";
import { shopBrowserSuite } from "./browser.js";

const prefix = `shoptest_${randomBytes(4).toString("hex")}`;

after(async () => {
  const client = await nodeRedis();
  await dropNodeRedis(client, `${prefix}:*`);
  await client.close();
});

shopBrowserSuite("Redis", () => openStores(REDIS_URL, { prefix }));
