// A change a stateless transport refuses (data too large for its credential) changes nothing:
// not the previous session at a sign-in, not the refresh family's claims, not the refresh token.
// The bearer cases run on the memory refresh store and on the real Redis at 127.0.0.1:6379.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import {
  createSessions,
  SessionError,
  type SessionEvent,
  type SessionTransport,
} from "../../src/session/index.js";
import {
  bearerJwt,
  encryptedCookie,
  jwtCookie,
  memoryRefreshStore,
  memoryRevocationStore,
  type RefreshStore,
  redisRefreshStore,
  signedCookie,
} from "../../src/transports/index.js";
import { dropNodeRedis, nodeRedis } from "../redis.js";

const JWT = { issuer: "https://shop.test", audience: "https://shop.test" };
const hs = () => [{ kid: "h1", alg: "HS256" as const, key: randomBytes(32) }];
const ring = () => [{ id: "k1", secret: randomBytes(32) }];

const request = (headers: Record<string, string> = {}) => ({
  header: (name: string) => headers[name],
  encrypted: true,
});

const refused = (code: string, status: number) => (e: unknown) =>
  e instanceof SessionError && e.code === code && e.status === status;

const client = await nodeRedis();
const prefix = `sjtest-refusals-${process.pid}-${randomBytes(4).toString("hex")}:`;
after(async () => {
  await dropNodeRedis(client, `${prefix}*`);
  await client.close();
});

const COOKIES: [string, () => SessionTransport][] = [
  ["signed cookie", () => signedCookie({ keys: ring(), revocation: memoryRevocationStore() })],
  [
    "encrypted cookie",
    () => encryptedCookie({ keys: ring(), revocation: memoryRevocationStore() }),
  ],
  ["JWT cookie", () => jwtCookie({ ...JWT, keys: hs(), revocation: memoryRevocationStore() })],
];

for (const [name, transport] of COOKIES) {
  test(`${name}: a sign-in too large for the cookie is a 400 that leaves the previous session`, async () => {
    const sessions = createSessions({ transport: transport() });
    const events: SessionEvent[] = [];
    sessions.on("*", (e) => events.push(e));
    const first = await sessions.load(request());
    await first.signIn("alice");
    const cookie = ((await first.commit()).setCookie[0] ?? "").split(";")[0] as string;
    events.length = 0;

    const s = await sessions.load(request({ cookie }));
    await assert.rejects(
      s.signIn("bob", { data: { big: "x".repeat(5000) } }),
      refused("ERR_SESSION_DATA_INVALID", 400),
    );
    assert.deepEqual((await s.commit()).setCookie, [], "no new cookie, no clearing one");
    assert.deepEqual(events, [], "nothing revoked, nothing created");
    assert.equal((await sessions.load(request({ cookie }))).userId, "alice");
  });
}

const STORES: [string, () => RefreshStore][] = [
  ["memory", () => memoryRefreshStore()],
  ["redis", () => redisRefreshStore({ client, prefix })],
];

for (const [name, makeStore] of STORES) {
  describe(`bearer JWT on the ${name} refresh store`, () => {
    const setup = async () => {
      const refresh = makeStore();
      const sessions = createSessions({
        transport: bearerJwt({ ...JWT, keys: hs(), revocation: memoryRevocationStore(), refresh }),
      });
      const events: SessionEvent[] = [];
      sessions.on("*", (e) => events.push(e));
      const s = await sessions.load(request());
      await s.signIn("alice", { data: { cart: 1 } });
      const h = (await s.commit()).headers ?? {};
      return {
        sessions,
        refresh,
        events,
        access: h["set-auth-token"] as string,
        refreshToken: h["set-refresh-token"] as string,
        familyId: s.info?.id as string,
      };
    };
    /** Refreshes with `token`; the new tokens. */
    const refreshWith = async (
      sessions: Awaited<ReturnType<typeof setup>>["sessions"],
      token: string,
    ) => {
      const s = await sessions.load(request());
      await s.refresh(token);
      const h = (await s.commit()).headers ?? {};
      return {
        data: s.get("cart"),
        refreshToken: h["set-refresh-token"],
        access: h["set-auth-token"],
      };
    };

    test("a change of data too large for the access token writes nothing to the family", async () => {
      const { sessions, access, refreshToken, events } = await setup();
      const s = await sessions.load(request({ authorization: `Bearer ${access}` }));
      s.set("cart", "x".repeat(7000));
      await assert.rejects(s.commit(), refused("ERR_SESSION_DATA_INVALID", 400));

      const next = await refreshWith(sessions, refreshToken);
      assert.equal(next.data, 1, "the family kept the data of the last token it issued");
      assert.match(next.refreshToken ?? "", /^[A-Za-z0-9_-]{4}\./);
      assert.ok(next.access);
      assert.equal((await refreshWith(sessions, next.refreshToken as string)).data, 1);
      assert.ok(!events.some((e) => e.type === "suspicious" && e.reason === "refresh-reuse"));
    });

    test("a refresh that cannot make an access token is a 401 and leaves the refresh token", async () => {
      const { sessions, refresh, refreshToken, familyId, events } = await setup();
      // What a family written before sizes were checked, or a smaller limit since, holds.
      assert.ok(
        await refresh.setClaims(familyId, { data: { cart: "x".repeat(7000) } }, Date.now()),
      );
      const s = await sessions.load(request());
      await assert.rejects(s.refresh(refreshToken), (e: unknown) => {
        assert.ok(refused("ERR_SESSION_REFRESH_INVALID", 401)(e));
        assert.match((e as Error).message, /no access token can be made.*sign in again/);
        assert.match((e as SessionError).wwwAuthenticate ?? "", /invalid_token/);
        return true;
      });
      assert.deepEqual((await s.commit()).headers, undefined);

      // The token was not spent: once the data fits again, it refreshes, and is no reuse.
      assert.ok(await refresh.setClaims(familyId, { data: { cart: 2 } }, Date.now()));
      assert.equal((await refreshWith(sessions, refreshToken)).data, 2);
      assert.ok(!events.some((e) => e.type === "suspicious" && e.reason === "refresh-reuse"));
      assert.ok(!events.some((e) => e.type === "revoked"));
    });
  });
}
