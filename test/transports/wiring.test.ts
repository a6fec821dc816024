// How transports are wired: the CSRF guard a cookie transport needs (refused at creation
// without it), the options each transport refuses, and the stateless session standing in for
// the store's one everywhere.
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import express from "express";
import fastify from "fastify";
import { Hono } from "hono";
import { sessionMiddleware } from "../../src/adapters/express/index.js";
import { fastifySessions } from "../../src/adapters/fastify/index.js";
import { sessions as honoSessions } from "../../src/adapters/hono/index.js";
import { withSessions as nodeSessions } from "../../src/adapters/node/index.js";
import { withSessions as webSessions } from "../../src/adapters/web/index.js";
import { createCsrf } from "../../src/csrf/index.js";
import { createSessions, SessionError, type Sessions } from "../../src/session/index.js";
import { RequestSession } from "../../src/session/request-session.js";
import { StatelessSession } from "../../src/session/stateless-session.js";
import { memoryStore } from "../../src/stores/index.js";
import {
  bearerJwt,
  jwtCookie,
  memoryRefreshStore,
  memoryRevocationStore,
  opaqueBearer,
  signedCookie,
  TransportError,
} from "../../src/transports/index.js";

const csrf = createCsrf({
  origin: "https://shop.test",
  keys: [{ id: "k1", secret: randomBytes(32) }],
});
const keys = [{ id: "k1", secret: randomBytes(32) }];

/** Each adapter's way of being made, with `options` (csrf or not). */
const ADAPTERS: [string, (s: Sessions<Record<string, unknown>>, o: object) => Promise<unknown>][] =
  [
    ["node", async (s, o) => nodeSessions(s, () => {}, o)],
    ["web", async (s, o) => webSessions(s, () => new Response(), o)],
    ["express", async (s, o) => express().use(sessionMiddleware(s, o))],
    ["hono", async (s, o) => new Hono().use(honoSessions(s, o))],
    [
      "fastify",
      async (s, o) => {
        const app = fastify();
        try {
          await app.register(fastifySessions, { sessions: s, ...o });
          await app.ready();
        } finally {
          await app.close();
        }
      },
    ],
  ];

const code = (c: string) => (e: unknown) => e instanceof SessionError && e.code === c;

describe("cookie transports need the CSRF guard, bearer transports refuse it", () => {
  const cookieKinds = [
    createSessions({ store: memoryStore() }),
    createSessions({ transport: signedCookie({ keys, revocation: false }) }),
  ];
  const bearerKinds = [
    createSessions({ store: memoryStore(), transport: opaqueBearer() }),
    createSessions({
      transport: bearerJwt({
        keys: [{ kid: "h", alg: "HS256", key: randomBytes(32) }],
        issuer: "i",
        audience: "a",
        revocation: memoryRevocationStore(),
        refresh: memoryRefreshStore(),
      }),
    }),
  ];
  for (const [name, make] of ADAPTERS) {
    test(`${name}: refused at creation without { csrf }, made with it or with csrf: false`, async () => {
      for (const s of cookieKinds) {
        await assert.rejects(make(s, {}), (e: unknown) => {
          assert.ok(code("ERR_SESSION_CSRF_REQUIRED")(e));
          assert.match((e as Error).message, /csrf: createCsrf|csrf: false/);
          return true;
        });
        await make(s, { csrf });
        await make(s, { csrf: false });
        for (const wrong of [true, "on", null, {}]) {
          await assert.rejects(make(s, { csrf: wrong as never }), (e: unknown) => {
            assert.ok(code("ERR_SESSION_OPTIONS_INVALID")(e));
            assert.match(
              (e as Error).message,
              /must be what createCsrf\(…\) returns, or false, not /,
            );
            return true;
          });
        }
      }
      for (const s of bearerKinds) {
        await make(s, {});
        await assert.rejects(make(s, { csrf }), code("ERR_SESSION_OPTIONS_INVALID"));
      }
    });
  }
});

describe("transport options are checked when they are made", () => {
  test("a stateless transport says how revocation works, explicitly", () => {
    const refused = (e: unknown) =>
      e instanceof TransportError &&
      e.code === "ERR_TRANSPORT_OPTIONS_INVALID" &&
      /revocation/.test(e.message);
    assert.throws(() => signedCookie({ keys } as never), refused);
    assert.equal(signedCookie({ keys, revocation: false }).capabilities.revocation, "expiry");
    assert.equal(
      signedCookie({ keys, revocation: memoryRevocationStore() }).capabilities.revocation,
      "denylist",
    );
  });

  test("bad keys fail at once; bearer JWT needs a refresh store", () => {
    assert.throws(
      () => signedCookie({ keys: [{ id: "k", secret: "short" }], revocation: false }),
      (e: unknown) => e instanceof TransportError && e.code === "ERR_TRANSPORT_KEY_INVALID",
    );
    assert.throws(
      () =>
        bearerJwt({
          keys: [{ kid: "h", alg: "HS256", key: randomBytes(32) }],
          issuer: "i",
          audience: "a",
          revocation: false,
        } as never),
      (e: unknown) => e instanceof TransportError && /refresh store/.test(e.message),
    );
  });

  test("a JWT transport with no key that can sign is refused when made, not at the first sign-in", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const old = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const base = { issuer: "i", audience: "a", revocation: false as const };
    const publicOnly = [
      { kid: "e1", alg: "ES256" as const, key: ec.publicKey },
      { kid: "e0", alg: "ES256" as const, key: old.publicKey },
    ];
    const verifyOnly = (e: unknown) =>
      e instanceof TransportError &&
      e.code === "ERR_TRANSPORT_OPTIONS_INVALID" &&
      /no key of keys can sign .*add the private key/.test(e.message);
    assert.throws(() => jwtCookie({ ...base, keys: publicOnly }), verifyOnly);
    assert.throws(
      () => bearerJwt({ ...base, keys: publicOnly, refresh: memoryRefreshStore() }),
      verifyOnly,
    );
    // A retired key pair's public key before the signing key: the signing key signs.
    bearerJwt({
      ...base,
      keys: [
        { kid: "e0", alg: "ES256", key: old.publicKey },
        { kid: "e2", alg: "ES256", key: ec.privateKey },
      ],
      refresh: memoryRefreshStore(),
    });
    assert.throws(
      () => jwtCookie({ ...base, jwks: { keys: [] } }),
      (e: unknown) =>
        e instanceof TransportError &&
        e.code === "ERR_TRANSPORT_OPTIONS_INVALID" &&
        /signWith/.test(e.message),
    );
    // A retired key pair's public key after the signing key verifies what it signed.
    jwtCookie({
      ...base,
      keys: [
        { kid: "e2", alg: "ES256", key: ec.privateKey },
        { kid: "e1", alg: "ES256", key: old.publicKey },
      ],
    });
  });

  test("a stateless transport takes no store and no per-user cap", () => {
    const transport = signedCookie({ keys, revocation: false });
    assert.throws(
      () => createSessions({ store: memoryStore(), transport }),
      code("ERR_SESSION_OPTIONS_INVALID"),
    );
    assert.throws(
      () => createSessions({ transport, maxSessionsPerUser: 2 }),
      code("ERR_SESSION_OPTIONS_INVALID"),
    );
  });
});

test("the stateless session overrides every public member of the store's session", () => {
  // The protected machinery both classes share: commit waiting for an operation not awaited.
  const shared = new Set(["constructor", "settle", "operating", "operationsSettled"]);
  const own = (proto: object): string[] =>
    Object.getOwnPropertyNames(proto).filter((n) => !shared.has(n));
  const stateless = new Set(own(StatelessSession.prototype));
  for (const name of own(RequestSession.prototype)) {
    assert.ok(stateless.has(name), `StatelessSession does not override ${name}`);
  }
});

describe("a stateless transport without a revocation store", () => {
  test("revoking answers 501 naming the operation it cannot do", async () => {
    const sessions = createSessions({ transport: signedCookie({ keys, revocation: false }) });
    const request = (cookie?: string) => ({
      header: (name: string) => (name === "cookie" ? cookie : undefined),
      encrypted: true,
    });
    const first = await sessions.load(request());
    await first.signIn("alice");
    const cookie = ((await first.commit()).setCookie[0] ?? "").split(";")[0];
    for (const [operation, said] of [
      ["revokeOthers", /cannot revoke other sessions/],
      ["revokeAll", /cannot revoke all sessions/],
    ] as const) {
      const s = await sessions.load(request(cookie));
      await assert.rejects(s[operation](), (e: unknown) => {
        assert.ok(e instanceof SessionError);
        assert.equal(e.code, "ERR_SESSION_UNSUPPORTED");
        assert.equal(e.status, 501);
        assert.match(e.message, said);
        return true;
      });
    }
  });
});
