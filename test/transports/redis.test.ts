// The stateless transports with their revocation and refresh stores on the real Redis at
// 127.0.0.1:6379, through the behavioural suite over HTTP: denylist, not-before and refresh
// families as a fleet of servers would share them.
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import {
  bearerJwt,
  redisRefreshStore,
  redisRevocationStore,
  signedCookie,
} from "../../src/transports/index.js";
import { dropNodeRedis, nodeRedis } from "../redis.js";
import { testAdapter, type Variant } from "../sessions/behaviour.js";
import { startNode } from "../sessions/servers.js";

const client = await nodeRedis();
const prefix = `sjtest-tr-${process.pid}-${randomBytes(4).toString("hex")}:`;
after(async () => {
  await dropNodeRedis(client, `${prefix}*`);
  await client.close();
});

const revocation = (clock: { now: number }) =>
  redisRevocationStore({ client, prefix, now: () => clock.now });

const variants: Variant[] = [
  {
    name: "signed cookie, revocation on Redis",
    carrier: "cookie",
    state: "client",
    options: (clock) => ({
      transport: signedCookie({
        keys: [{ id: "k1", secret: randomBytes(32) }],
        revocation: revocation(clock),
      }),
    }),
  },
  {
    name: "bearer JWT, revocation and refresh families on Redis",
    carrier: "bearer",
    state: "client",
    options: (clock) => ({
      transport: bearerJwt({
        issuer: "https://shop.test",
        audience: "https://shop.test",
        keys: [{ kid: "h1", alg: "HS256", key: randomBytes(32) }],
        revocation: revocation(clock),
        refresh: redisRefreshStore({ client, prefix }),
      }),
    }),
  },
];

for (const variant of variants) testAdapter("node http", startNode, variant);
