// The attacks each transport must withstand, over real HTTP: every byte of its credential
// changed, every truncation, a value moved between key rings, algorithm confusion, expired and
// not-yet-valid tokens, replay after revocation, a refresh token used twice, hostile
// Authorization headers. Each must be "no session" (or a 401 with a challenge), never a 500.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { SignJWT } from "jose";
import { createSessions, type SessionEvent, type Sessions } from "../../src/session/index.js";
import {
  bearerJwt,
  createJwtCodec,
  encryptedCookie,
  JWT_TYP_ACCESS_TOKEN,
  JWT_TYP_SESSION,
  jwtCookie,
  memoryRefreshStore,
  memoryRevocationStore,
  type RevocationStore,
  signedCookie,
} from "../../src/transports/index.js";
import { Browser, type RunningServer } from "../sessions/behaviour.js";
import { startNode } from "../sessions/servers.js";

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const JWT = { issuer: "https://shop.test", audience: "https://shop.test" };

/** `value` with the character at `i` replaced by another of the base64url alphabet (or a dot's neighbour). */
function flip(value: string, i: number): string {
  const c = value[i] as string;
  const other = c === "." ? "A" : (B64URL[(B64URL.indexOf(c) + 1) % 64] as string);
  return value.slice(0, i) + other + value.slice(i + 1);
}

interface App {
  sessions: Sessions<Record<string, unknown>>;
  server: RunningServer;
  events: SessionEvent[];
  clock: { now: number };
  revocation: RevocationStore;
}

async function app(
  make: (
    clock: { now: number },
    revocation: RevocationStore,
  ) => Parameters<typeof createSessions>[0],
): Promise<App> {
  const clock = { now: Date.now() };
  const revocation = memoryRevocationStore({ now: () => clock.now });
  const sessions = createSessions({
    insecureLocalhost: true,
    now: () => clock.now,
    ...make(clock, revocation),
  });
  const events: SessionEvent[] = [];
  sessions.on("*", (e) => events.push(e));
  return { sessions, server: await startNode(sessions), events, clock, revocation };
}

/** The status of GET /me with `credential`; asserts no session and no server error. */
async function refused(b: Browser, credential: string, what: string): Promise<void> {
  const probe = new Browser(b.origin, b.carrier);
  probe.cookie = credential;
  const r = await probe.json("GET", "/me");
  assert.equal(r.status, 401, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
}

const secret = (): Buffer => randomBytes(32);

const COOKIE_CODECS: [
  string,
  (keys: { id: string; secret: Buffer }[], r: RevocationStore) => ReturnType<typeof signedCookie>,
][] = [
  ["signed cookie", (keys, revocation) => signedCookie({ keys, revocation })],
  ["encrypted cookie", (keys, revocation) => encryptedCookie({ keys, revocation })],
];

for (const [name, transport] of COOKIE_CODECS) {
  describe(`attacks over HTTP: ${name}`, () => {
    const k1 = { id: "k1", secret: secret() };
    const k2 = { id: "k2", secret: secret() };
    let a: App;
    let other: App;
    before(async () => {
      a = await app((_, r) => ({ transport: transport([k1], r) }));
      other = await app((_, r) => ({ transport: transport([k2], r) }));
    });
    after(async () => {
      await a.server.close();
      await other.server.close();
    });

    test("every byte changed, every truncation: no session, never a 500", async () => {
      const b = new Browser(a.server.origin);
      await b.json("POST", "/login?user=alice");
      const value = b.cookie as string;
      assert.equal((await b.json("GET", "/me")).status, 200);
      for (let i = 0; i < value.length; i++) await refused(b, flip(value, i), `byte ${i}`);
      for (let n = 0; n < value.length; n += 3) await refused(b, value.slice(0, n), `first ${n}`);
      assert.ok(a.events.some((e) => e.type === "suspicious" && e.reason === "tampered-token"));
      assert.ok(a.events.some((e) => e.type === "suspicious" && e.reason === "malformed-token"));
    });

    test("a value sealed under another key ring is no session; a rotated ring still opens the old key", async () => {
      const b = new Browser(a.server.origin);
      await b.json("POST", "/login?user=bob");
      await refused(new Browser(other.server.origin), b.cookie as string, "k1 value on a k2 ring");
      // Not cleared either: a server whose ring lacks the key must not sign the user out.
      const visitor = new Browser(other.server.origin);
      visitor.cookie = b.cookie;
      const seen = await visitor.json("GET", "/me");
      assert.deepEqual(seen.res.headers.getSetCookie(), [], "no clearing cookie for another key");
      // The same value, its key id relabelled to the other ring's: the MAC or tag does not hold.
      await refused(
        new Browser(other.server.origin),
        (b.cookie as string).replace(/^v1\.k1\./, "v1.k2."),
        "k1 value labelled k2",
      );
      const rotated = await app((_, r) => ({ transport: transport([k2, k1], r) }));
      try {
        const probe = new Browser(rotated.server.origin);
        probe.cookie = b.cookie;
        assert.equal((await probe.json("GET", "/me")).body.userId, "bob");
      } finally {
        await rotated.server.close();
      }
    });

    test("replay after sign-out, rotation and log-out-everywhere: no session", async () => {
      const b = new Browser(a.server.origin);
      await b.json("POST", "/login?user=carol");
      const first = b.cookie as string;
      await b.json("POST", "/rotate");
      await refused(b, first, "replayed after rotation");
      const second = b.cookie as string;
      await b.json("POST", "/logout");
      await refused(b, second, "replayed after sign-out");
      const phone = new Browser(a.server.origin);
      await phone.json("POST", "/login?user=carol");
      const kept = phone.cookie as string;
      a.clock.now += 1;
      const laptop = new Browser(a.server.origin);
      await laptop.json("POST", "/login?user=carol");
      a.clock.now += 1;
      await laptop.json("POST", "/revoke-all");
      await refused(phone, kept, "replayed after log-out-everywhere");
      assert.ok(a.events.some((e) => e.type === "suspicious" && e.reason === "revoked-token"));
    });

    test("data that would make the cookie over 4096 bytes: 400 with a code, the old session kept", async () => {
      const b = new Browser(a.server.origin);
      await b.json("POST", "/login?user=hoarder");
      const before = b.cookie;
      const r = await b.json("POST", `/set?key=big&value=${"x".repeat(4000)}`);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "session_data_invalid");
      assert.match(r.body.error.message, /4096 bytes/);
      assert.deepEqual(r.res.headers.getSetCookie(), []);
      assert.equal(b.cookie, before);
      assert.equal((await b.json("GET", "/me")).body.userId, "hoarder");
    });

    test("a revocation store that is down: 503 with a code, never a session", async () => {
      const down = await app(() => ({
        transport: transport([k1], {
          ...memoryRevocationStore(),
          check: () => Promise.reject(new Error("connection refused")),
        }),
      }));
      try {
        const b = new Browser(down.server.origin);
        await b.json("POST", "/login?user=dave");
        const r = await b.json("GET", "/me");
        assert.equal(r.status, 503);
        assert.equal(r.body.error.code, "session_store_unavailable");
      } finally {
        await down.server.close();
      }
    });
  });
}

describe("attacks over HTTP: JWT cookie and bearer JWT", () => {
  const hs = randomBytes(32);
  const es = generateKeyPairSync("ec", { namedCurve: "P-256" });
  let cookieApp: App;
  let esApp: App;
  let bearerApp: App;
  before(async () => {
    cookieApp = await app((_, revocation) => ({
      transport: jwtCookie({ ...JWT, keys: [{ kid: "h1", alg: "HS256", key: hs }], revocation }),
    }));
    esApp = await app((_, revocation) => ({
      transport: jwtCookie({
        ...JWT,
        keys: [{ kid: "e1", alg: "ES256", key: es.privateKey }],
        revocation,
      }),
    }));
    bearerApp = await app((clock, revocation) => ({
      transport: bearerJwt({
        ...JWT,
        keys: [{ kid: "h1", alg: "HS256", key: hs }],
        revocation,
        refresh: memoryRefreshStore({ now: () => clock.now }),
      }),
    }));
  });
  after(async () => {
    await cookieApp.server.close();
    await esApp.server.close();
    await bearerApp.server.close();
  });

  const enc = (x: unknown): string => Buffer.from(JSON.stringify(x)).toString("base64url");
  /** The claims of a token the app issued, to forge variants of it. */
  const claimsOf = (token: string): Record<string, unknown> =>
    JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());

  test("every byte changed, every truncation of a JWT cookie and a bearer token: no session", async () => {
    for (const [target, carrier] of [
      [cookieApp, "cookie"],
      [bearerApp, "bearer"],
    ] as const) {
      const b = new Browser(target.server.origin, carrier);
      await b.json("POST", "/login?user=alice");
      const token = b.cookie as string;
      for (let i = 0; i < token.length; i++)
        await refused(b, flip(token, i), `${carrier} byte ${i}`);
      for (let n = 0; n < token.length; n += 5)
        await refused(b, token.slice(0, n), `${carrier} first ${n}`);
    }
  });

  test("a JWT cookie over 4096 bytes is refused with a 400, not sent", async () => {
    const b = new Browser(cookieApp.server.origin);
    await b.json("POST", "/login?user=hoarder");
    const r = await b.json("POST", `/set?key=big&value=${"x".repeat(4000)}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "session_data_invalid");
    assert.deepEqual(r.res.headers.getSetCookie(), []);
  });

  test("two Authorization headers are refused, whichever of them is valid", async () => {
    const b = new Browser(bearerApp.server.origin, "bearer");
    await b.json("POST", "/login?user=twice");
    const { port } = new URL(bearerApp.server.origin);
    const raw = (headers: string[]): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1");
        let text = "";
        socket.on("data", (d) => {
          text += d.toString("latin1");
        });
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
        socket.end(
          `GET /me HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.join("\r\n")}\r\nConnection: close\r\n\r\n`,
        );
      });
    const valid = `Authorization: Bearer ${b.cookie}`;
    for (const headers of [
      [valid, "Authorization: Bearer garbage"],
      ["Authorization: Bearer garbage", valid],
      [valid, valid],
    ]) {
      const answer = await raw(headers);
      assert.match(answer, /^HTTP\/1\.1 401 /, answer.slice(0, 200));
      assert.match(answer, /WWW-Authenticate: Bearer error="invalid_request"/i);
    }
    assert.equal((await b.json("GET", "/me")).body.userId, "twice");
  });

  test("a bearer JWT over its maxTokenLength is refused with a 400, not handed out", async () => {
    const b = new Browser(bearerApp.server.origin, "bearer");
    await b.json("POST", "/login?user=hoarder");
    const before = b.cookie;
    const r = await b.json("POST", `/set?key=big&value=${"x".repeat(7000)}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "session_data_invalid");
    assert.match(r.body.error.message, /maxTokenLength of 8192/);
    assert.equal(r.res.headers.get("set-auth-token"), null);
    assert.equal(b.cookie, before);
    assert.equal((await b.json("GET", "/me")).body.userId, "hoarder");
  });

  test("algorithm confusion: alg none, HS256 keyed with the ES256 public key, a key in the header", async () => {
    const b = new Browser(esApp.server.origin);
    await b.json("POST", "/login?user=alice");
    const token = b.cookie as string;
    const claims = claimsOf(token);
    const none = `${enc({ alg: "none", typ: JWT_TYP_SESSION })}.${token.split(".")[1]}.`;
    await refused(b, none, "alg none");
    const pem = es.publicKey.export({ type: "spki", format: "pem" });
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", kid: "e1", typ: JWT_TYP_SESSION })
      .sign(new TextEncoder().encode(String(pem)));
    await refused(b, confused, "HS256 keyed with the public key");
    const mine = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const embedded = await new SignJWT(claims)
      .setProtectedHeader({
        alg: "ES256",
        kid: "e1",
        typ: JWT_TYP_SESSION,
        jwk: mine.publicKey.export({ format: "jwk" }) as never,
      })
      .sign(mine.privateKey);
    await refused(b, embedded, "a key in the header");
  });

  test("expired and not-yet-valid tokens, and an access token used as a cookie: no session", async () => {
    const b = new Browser(cookieApp.server.origin);
    await b.json("POST", "/login?user=erin");
    const token = b.cookie as string;
    const claims = claimsOf(token);
    const forge = (typ: string, at: number) =>
      createJwtCodec({ ...JWT, typ, keys: [{ kid: "h1", alg: "HS256", key: hs }], now: () => at });
    const { iat: _i, exp: _e, iss: _s, aud: _a, ...mine } = claims;
    const future = await forge(JWT_TYP_SESSION, cookieApp.clock.now).sign({
      ...mine,
      nbf: Math.floor(cookieApp.clock.now / 1000) + 600,
    });
    await refused(b, future, "not yet valid");
    const old = await forge(JWT_TYP_SESSION, cookieApp.clock.now - 3_600_000).sign(mine, {
      ttlSeconds: 60,
    });
    await refused(b, old, "expired");
    const access = await forge(JWT_TYP_ACCESS_TOKEN, cookieApp.clock.now).sign(mine);
    await refused(b, access, "an at+jwt as a session cookie");
  });

  test("a refresh token used twice revokes its family: both holders' tokens end", async () => {
    const b = new Browser(bearerApp.server.origin, "bearer");
    await b.json("POST", "/login?user=frank");
    const stolen = b.refreshToken as string;
    const thief = new Browser(bearerApp.server.origin, "bearer");
    assert.equal((await thief.json("POST", `/token?token=${stolen}`)).status, 200);
    assert.equal((await thief.json("GET", "/me")).body.userId, "frank");
    // The legitimate client uses the same token again: a reuse.
    const again = await b.json("POST", `/token?token=${stolen}`);
    assert.equal(again.status, 401);
    assert.match(again.res.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    assert.equal((await thief.json("GET", "/me")).status, 401);
    assert.equal(
      (await thief.json("POST", `/token?token=${thief.refreshToken}`)).status,
      401,
      "the thief's rotated refresh token is of the revoked family",
    );
    assert.ok(bearerApp.events.some((e) => e.type === "revoked" && e.reason === "refresh-reuse"));
  });

  test("refresh tokens carry the session's data, and stop at log-out-everywhere", async () => {
    const b = new Browser(bearerApp.server.origin, "bearer");
    await b.json("POST", "/login?user=gina");
    await b.json("POST", "/set?key=color&value=green");
    bearerApp.clock.now += 10 * 60_000;
    assert.equal((await b.json("GET", "/data?key=color")).body.value, "green", "after a refresh");
    const phone = new Browser(bearerApp.server.origin, "bearer");
    await phone.json("POST", "/login?user=gina");
    bearerApp.clock.now += 1;
    await b.json("POST", "/revoke-all");
    bearerApp.clock.now += 10 * 60_000;
    const r = await phone.json("GET", "/me");
    assert.equal(r.status, 401, "the phone's refresh is refused too");
  });
  test("a session kept alive by its access tokens alone keeps its refresh token past the idle timeout", async () => {
    const b = new Browser(bearerApp.server.origin, "bearer");
    await b.json("POST", "/login?user=ivan");
    const sessionId = claimsOf(b.cookie as string).jti;
    const first = b.refreshToken;
    // 40 minutes of requests four minutes apart: each touch re-issues the access token, so the
    // client never needs its refresh token, and the idle timeout (30 minutes) never passes.
    for (let i = 0; i < 10; i++) {
      bearerApp.clock.now += 4 * 60_000;
      assert.equal((await b.json("GET", "/me")).body.userId, "ivan", `request ${i}`);
    }
    assert.equal(b.refreshToken, first, "no refresh was needed");
    const mine = (): SessionEvent[] =>
      bearerApp.events.filter((e) => "sessionId" in e && e.sessionId === sessionId);
    const seen = bearerApp.events.length;
    // Six quiet minutes: the access token expired (five), the session did not (thirty).
    bearerApp.clock.now += 6 * 60_000;
    const r = await b.json("GET", "/me");
    assert.equal(r.status, 200, "refreshed with the first refresh token, 46 minutes on");
    assert.equal(r.body.userId, "ivan");
    assert.notEqual(b.refreshToken, first);
    assert.deepEqual(
      bearerApp.events.slice(seen).map((e) => e.type),
      ["rotated"],
      "an access token's own expiry is no expiry of the session, and nothing suspicious",
    );
    // Thirty-one quiet minutes: now the session idles out, and refreshing says so, once.
    bearerApp.clock.now += 31 * 60_000;
    const token = b.refreshToken as string;
    const before = bearerApp.events.length;
    const dead = await new Browser(bearerApp.server.origin, "bearer").json(
      "POST",
      `/token?token=${token}`,
    );
    assert.equal(dead.status, 401);
    assert.equal(dead.body.error.code, "session_refresh_invalid");
    assert.match(
      dead.res.headers.get("www-authenticate") ?? "",
      /error="invalid_token", error_description="The refresh token expired"/,
    );
    assert.deepEqual(bearerApp.events.slice(before), [
      { type: "expired", sessionId, userId: "ivan", reason: "idle" },
    ]);
    assert.ok(mine().every((e) => e.type !== "revoked"));
  });

  test("a burst of replays of one refresh token revokes its family once, and says so once", async () => {
    const b = new Browser(bearerApp.server.origin, "bearer");
    await b.json("POST", "/login?user=judy");
    const stolen = b.refreshToken as string;
    assert.equal((await b.json("POST", `/token?token=${stolen}`)).status, 200);
    const before = bearerApp.events.length;
    const replays = await Promise.all(
      Array.from({ length: 6 }, () =>
        new Browser(bearerApp.server.origin, "bearer").json("POST", `/token?token=${stolen}`),
      ),
    );
    for (const r of replays) {
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, "session_refresh_invalid");
    }
    const events = bearerApp.events.slice(before);
    assert.equal(events.filter((e) => e.type === "revoked").length, 1);
    assert.equal(
      events.filter((e) => e.type === "suspicious" && e.reason === "refresh-reuse").length,
      6,
      "each replay is a suspicious request",
    );
    assert.equal((await b.json("GET", "/me")).status, 401, "the family's access tokens end too");
  });
});

describe("bearer requests: every bad Authorization header is a 401 with a challenge, never a 500", () => {
  let a: App;
  before(async () => {
    a = await app((clock, revocation) => ({
      transport: bearerJwt({
        ...JWT,
        keys: [{ kid: "h1", alg: "HS256", key: randomBytes(32) }],
        revocation,
        refresh: memoryRefreshStore({ now: () => clock.now }),
      }),
    }));
  });
  after(async () => a.server.close());

  test("malformed, another scheme, a tampered token: 401 and RFC 6750 WWW-Authenticate", async () => {
    const cases: [string, RegExp][] = [
      ["Bearer", /^Bearer error="invalid_request", error_description="[^"]+"$/],
      ["Bearer a b", /^Bearer error="invalid_request"/],
      ["Bearer\tabc", /^Bearer error="invalid_request"/],
      ["Bearer a,b", /^Bearer error="invalid_request"/],
      ["Basic dXNlcjpwYXNz", /^Bearer$/],
      [
        "Bearer abc.def.ghi",
        /^Bearer error="invalid_token", error_description="The access token is invalid"$/,
      ],
      [`Bearer ${"x".repeat(9000)}`, /^Bearer error="invalid_token"/],
      ["\u00ff\u00fe", /^Bearer/],
    ];
    for (const [authorization, challenge] of cases) {
      const r = await fetch(`${a.server.origin}/me`, { headers: { authorization } });
      const body = (await r.json()) as { error: { code: string } };
      assert.equal(r.status, 401, authorization.slice(0, 40));
      assert.match(r.headers.get("www-authenticate") ?? "", challenge, authorization.slice(0, 40));
      assert.equal(body.error.code, "session_token_invalid");
    }
    const none = await fetch(`${a.server.origin}/me`);
    assert.equal(none.status, 401, "no header: no session, the handler's own 401");
    await none.arrayBuffer();
    const needs = await fetch(`${a.server.origin}/revoke-others`, { method: "POST" });
    assert.equal(needs.status, 401, "an operation that needs a session");
    assert.equal(needs.headers.get("www-authenticate"), "Bearer");
    await needs.arrayBuffer();
  });
});
