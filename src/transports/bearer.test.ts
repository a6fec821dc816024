import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  type BearerRejectReason,
  bearerChallenge,
  bearerRejection,
  bearerStatus,
  readBearerToken,
} from "./bearer.js";
import { TransportError } from "./errors.js";
import { createJwtCodec, JWT_TYP_ACCESS_TOKEN } from "./jwt.js";
import { memoryRevocationStore } from "./revocation.js";

describe("readBearerToken (RFC 6750 2.1)", () => {
  test("the token of a well-formed header", () => {
    for (const [header, token] of [
      ["Bearer abc", "abc"],
      ["bearer abc", "abc"],
      ["BEARER abc", "abc"],
      ["BeArEr abc", "abc"],
      ["Bearer   abc", "abc"], // 1*SP
      ["  Bearer abc \t", "abc"], // surrounding whitespace is not part of the field value
      ["Bearer mF_9.B5f-4.1JqM", "mF_9.B5f-4.1JqM"], // RFC 6750's example
      ["Bearer a~b+c/d", "a~b+c/d"],
      ["Bearer YWJj==", "YWJj=="],
      ["Bearer =", undefined],
      [["Bearer one"], "one"],
    ] as const) {
      const r = readBearerToken(header);
      if (token === undefined) {
        assert.equal(r.ok, false, String(header));
      } else {
        assert.deepEqual(r, { ok: true, token }, String(header));
      }
    }
  });

  test("no header: 401 without an error code", () => {
    for (const h of [undefined, null, []]) {
      assert.deepEqual(readBearerToken(h), {
        ok: false,
        reason: "missing",
        status: 401,
        error: null,
      });
    }
  });

  test("another scheme: 401 without an error code (RFC 6750 3.1)", () => {
    for (const h of [
      "Basic dXNlcjpwYXNz",
      "Basic user:pass",
      'Digest username="u", realm="r"',
      "Token abc",
      "Bearerx abc",
      "Bearer-abc def",
      "DPoP abc",
    ]) {
      assert.deepEqual(
        readBearerToken(h),
        { ok: false, reason: "scheme", status: 401, error: null },
        h,
      );
    }
  });

  test("a malformed header: 400 invalid_request", () => {
    for (const h of [
      "",
      "   ",
      "Bearer",
      "Bearer ",
      "Bearer a b",
      "Bearer a,b",
      "Bearer abc, Bearer def", // what Headers.get makes of two headers
      "Bearer\tabc",
      "Bearer abc=d",
      "Bearer =abc",
      'Bearer "abc"',
      "Bearer ábc",
      "Bearer abc\r\nX-Injected: 1",
      "Bearer abc\n",
      "Bearer abc\0",
      "Bearer:abc",
      "Bearerabc=",
      ":",
      "=abc",
      42 as never,
    ]) {
      assert.deepEqual(
        readBearerToken(h),
        { ok: false, reason: "malformed-header", status: 400, error: "invalid_request" },
        JSON.stringify(h),
      );
    }
  });

  test("several Authorization headers: 400 invalid_request", () => {
    for (const h of [
      ["Bearer a", "Bearer b"],
      ["Bearer a", "Bearer a"],
      ["Basic x", "Bearer a"],
    ]) {
      assert.deepEqual(readBearerToken(h), {
        ok: false,
        reason: "multiple-headers",
        status: 400,
        error: "invalid_request",
      });
    }
  });
});

describe("bearerChallenge (RFC 6750 3)", () => {
  test("the challenge, in RFC 6750's order and quoting", () => {
    assert.equal(bearerChallenge(), "Bearer");
    assert.equal(bearerChallenge({ realm: "example" }), 'Bearer realm="example"');
    assert.equal(
      bearerChallenge({
        realm: "example",
        error: "invalid_token",
        description: "The access token expired",
      }),
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
    );
    assert.equal(
      bearerChallenge({ error: "insufficient_scope", scope: "orders:read orders:write" }),
      'Bearer scope="orders:read orders:write", error="insufficient_scope"',
    );
    assert.equal(bearerChallenge({ error: "invalid_request" }), 'Bearer error="invalid_request"');
  });

  test("values RFC 6750 does not allow are refused with a typed error", () => {
    const refused = (e: unknown): boolean =>
      e instanceof TransportError && e.code === "ERR_BEARER_CHALLENGE_INVALID";
    for (const options of [
      { realm: 'a"b' },
      { realm: "a\\b" },
      { realm: "a\r\nSet-Cookie: x=1" },
      { realm: "réalm" },
      { error: "invalid_token" as const, description: 'say "hi"' },
      { error: "invalid_token" as const, description: "tab\there" },
      { description: "no error" },
      { error: "server_error" as never },
      { scope: "" },
      { scope: "a  b" },
      { scope: 'a"b' },
      { scope: " a" },
    ]) {
      assert.throws(() => bearerChallenge(options), refused, JSON.stringify(options));
    }
  });

  test("bearerStatus", () => {
    assert.equal(bearerStatus("invalid_request"), 400);
    assert.equal(bearerStatus("invalid_token"), 401);
    assert.equal(bearerStatus("insufficient_scope"), 403);
    assert.equal(bearerStatus(null), 401);
    assert.equal(bearerStatus(undefined), 401);
  });
});

describe("bearerRejection", () => {
  test("each reason's status, error and challenge", () => {
    const cases: [BearerRejectReason, number, string | null][] = [
      ["missing", 401, null],
      ["scheme", 401, null],
      ["malformed-header", 400, "invalid_request"],
      ["multiple-headers", 400, "invalid_request"],
      ["malformed", 401, "invalid_token"],
      ["algorithm", 401, "invalid_token"],
      ["header-key", 401, "invalid_token"],
      ["unknown-key", 401, "invalid_token"],
      ["bad-signature", 401, "invalid_token"],
      ["expired", 401, "invalid_token"],
      ["not-yet-valid", 401, "invalid_token"],
      ["claims", 401, "invalid_token"],
      ["unknown", 401, "invalid_token"],
      ["revoked", 401, "invalid_token"],
      ["insufficient-scope", 403, "insufficient_scope"],
    ];
    for (const [reason, status, error] of cases) {
      const r = bearerRejection(reason, { realm: "shop" });
      assert.equal(r.status, status, reason);
      assert.equal(r.error, error, reason);
      assert.ok(r.wwwAuthenticate.startsWith('Bearer realm="shop"'), reason);
      if (error === null) assert.equal(r.wwwAuthenticate, 'Bearer realm="shop"');
      else assert.match(r.wwwAuthenticate, new RegExp(`error="${error}"`));
    }
    assert.match(bearerRejection("expired").wwwAuthenticate, /The access token expired/);
    // Why else a token failed is not told.
    assert.equal(
      bearerRejection("bad-signature").wwwAuthenticate,
      bearerRejection("unknown-key").wwwAuthenticate,
    );
    assert.equal(
      bearerRejection("insufficient-scope", { scope: "admin" }).wwwAuthenticate,
      'Bearer scope="admin", error="insufficient_scope", error_description="The access token lacks the scope this request needs"',
    );
  });
});

// --- over real HTTP ---------------------------------------------------------------------------

describe("a bearer-protected resource over real HTTP: 400/401, never 500", () => {
  let skew = 0;
  const codec = createJwtCodec({
    keys: [
      {
        kid: "k1",
        alg: "ES256",
        key: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey,
      },
    ],
    issuer: "https://shop.example",
    audience: "https://shop.example/api",
    typ: JWT_TYP_ACCESS_TOKEN,
    now: () => Date.now() + skew,
  });
  const revocation = memoryRevocationStore();
  let server: Server;
  let port: number;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refuse = (reason: BearerRejectReason): void => {
      const r = bearerRejection(reason, { realm: "shop" });
      res.writeHead(r.status, {
        "www-authenticate": r.wwwAuthenticate,
        "cache-control": "no-store",
      });
      res.end();
    };
    const header = readBearerToken(req.headersDistinct.authorization);
    if (!header.ok) return refuse(header.reason);
    const result = await codec.verify(header.token);
    if (!result.ok) return refuse(result.reason);
    const { jti, sub, iat } = result.claims;
    if (!(await revocation.check(String(jti), String(sub), Number(iat) * 1000))) {
      return refuse("revoked");
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(`hello ${String(sub)}`);
  };

  before(async () => {
    server = createServer((req, res) => {
      handler(req, res).catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** One raw HTTP/1.1 request, so that headers can be repeated or malformed at will. */
  const raw = (
    headerLines: string[],
  ): Promise<{ status: number; wwwAuthenticate: string | null }> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let data = "";
      socket.on("data", (d) => {
        data += d.toString("latin1");
      });
      socket.on("end", () => {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
        const www = /\r\nwww-authenticate: ([^\r]*)/i.exec(data)?.[1] ?? null;
        resolve({ status, wwwAuthenticate: www });
      });
      socket.on("error", reject);
      socket.write(
        [
          `GET /api/me HTTP/1.1`,
          `Host: 127.0.0.1`,
          "Connection: close",
          ...headerLines,
          "",
          "",
        ].join("\r\n"),
      );
    });

  test("a valid token: 200", async () => {
    const token = await codec.sign({ sub: "alice" });
    const r = await fetch(`http://127.0.0.1:${port}/api/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "hello alice");
  });

  test("every way of getting it wrong", async () => {
    const token = await codec.sign({ sub: "alice" });
    const other = createJwtCodec({
      keys: [{ kid: "k1", alg: "HS256", key: randomBytes(32) }],
      issuer: "https://shop.example",
      audience: "https://shop.example/api",
      typ: JWT_TYP_ACCESS_TOKEN,
    });
    const tampered = `${token.slice(0, -3)}${token.endsWith("AAA") ? "BBB" : "AAA"}`;
    const cases: [string[], number, string][] = [
      [[], 401, 'Bearer realm="shop"'],
      [["Authorization: Basic dXNlcjpwYXNz"], 401, 'Bearer realm="shop"'],
      [["Authorization: Bearer"], 400, 'error="invalid_request"'],
      [[`Authorization: Bearer ${token} extra`], 400, 'error="invalid_request"'],
      [
        [`Authorization: Bearer ${token}`, `Authorization: Bearer ${token}`],
        400,
        'error="invalid_request"',
      ],
      [["Authorization: Bearer not-a-jwt"], 401, 'error="invalid_token"'],
      [[`Authorization: Bearer ${tampered}`], 401, 'error="invalid_token"'],
      [[`Authorization: Bearer ${token.slice(0, 40)}`], 401, 'error="invalid_token"'],
      [
        [`Authorization: Bearer ${await other.sign({ sub: "alice" })}`],
        401,
        'error="invalid_token"',
      ],
    ];
    for (const [lines, status, challenge] of cases) {
      const r = await raw(lines);
      assert.equal(r.status, status, lines.join(" | "));
      assert.ok(
        r.wwwAuthenticate?.includes(challenge),
        `${lines.join(" | ")}: ${r.wwwAuthenticate}`,
      );
    }
  });

  test("an expired token says so; a revoked one is refused", async () => {
    const old = await codec.sign({ sub: "bob" });
    skew = 300_000;
    try {
      const r = await raw([`Authorization: Bearer ${old}`]);
      assert.equal(r.status, 401);
      assert.equal(
        r.wwwAuthenticate,
        'Bearer realm="shop", error="invalid_token", error_description="The access token expired"',
      );
    } finally {
      skew = 0;
    }
    const token = await codec.sign({ sub: "carol" });
    assert.equal((await raw([`Authorization: Bearer ${token}`])).status, 200);
    const v = await codec.verify(token);
    assert.ok(v.ok);
    await revocation.deny(String(v.claims.jti), Number(v.claims.exp) * 1000);
    const replay = await raw([`Authorization: Bearer ${token}`]);
    assert.equal(replay.status, 401);
    assert.ok(replay.wwwAuthenticate?.includes('error="invalid_token"'));
  });
});
