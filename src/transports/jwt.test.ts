import assert from "node:assert/strict";
import {
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  webcrypto,
} from "node:crypto";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { CompactSign, exportJWK, type JSONWebKeySet, type JWTPayload, SignJWT } from "jose";
import { TransportError } from "./errors.js";
import {
  createJwtCodec,
  JWT_TYP_ACCESS_TOKEN,
  JWT_TYP_SESSION,
  type JwtCodec,
  type JwtCodecOptions,
  type JwtFailure,
  type JwtKey,
  newTokenId,
  type VerifyResult,
} from "./jwt.js";

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ec2 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ed = generateKeyPairSync("ed25519");
const secret = randomBytes(32);
const secret2 = randomBytes(32);

const ES: JwtKey = { kid: "es-1", alg: "ES256", key: ec.privateKey };
const ES_B: JwtKey = { kid: "es-2", alg: "ES256", key: ec2.privateKey };
const ED: JwtKey = { kid: "ed-1", alg: "EdDSA", key: ed.privateKey };
const HS: JwtKey = { kid: "hs-1", alg: "HS256", key: secret };
const HS_B: JwtKey = { kid: "hs-2", alg: "HS256", key: secret2 };

const ISS = "https://shop.example";
const AUD = "https://shop.example/api";
const T0 = 1_750_000_000_000;

function codec(keys: JwtKey[], more: Partial<JwtCodecOptions> = {}): JwtCodec {
  return createJwtCodec({ keys, issuer: ISS, audience: AUD, now: () => T0, ...more });
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
const parts = (t: string): [string, string, string] => t.split(".") as [string, string, string];
const headerOf = (t: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(parts(t)[0], "base64url").toString()) as Record<string, unknown>;

async function refused(c: JwtCodec, token: unknown, reason: JwtFailure): Promise<void> {
  const r = await c.verify(token);
  // An expired token did verify: its claims come with the refusal, to say whose it was.
  const { claims: _, ...refusal } = r as VerifyResult & { claims?: unknown };
  assert.deepEqual(refusal, { ok: false, reason }, `token ${String(token).slice(0, 80)}…`);
  if (reason === "expired") assert.equal(typeof (r as { claims?: unknown }).claims, "object");
}

function claimsOf(r: VerifyResult): JWTPayload {
  assert.ok(r.ok, `expected ok, got ${JSON.stringify(r)}`);
  return r.claims;
}

/** A token signed by jose directly, with any header and claims, for the attacks. */
async function forge(
  header: Record<string, unknown> & { alg: string },
  claims: JWTPayload,
  key: KeyObject | Uint8Array,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

const goodClaims = (over: JWTPayload = {}): JWTPayload => ({
  sub: "u1",
  iss: ISS,
  aud: AUD,
  iat: T0 / 1000,
  exp: T0 / 1000 + 300,
  ...over,
});

describe("jwt codec: sign and verify", () => {
  for (const key of [ES, ED, HS]) {
    test(`${key.alg}: a signed token verifies, with the codec's claims`, async () => {
      const c = codec([key]);
      const token = await c.sign({ sub: "user-1", role: "admin" });
      assert.deepEqual(headerOf(token), { alg: key.alg, kid: key.kid, typ: "session+jwt" });
      const r = await c.verify(token);
      assert.ok(r.ok);
      assert.equal(r.kid, key.kid);
      const claims = r.claims;
      assert.equal(claims.sub, "user-1");
      assert.equal(claims.role, "admin");
      assert.equal(claims.iss, ISS);
      assert.equal(claims.aud, AUD);
      assert.equal(claims.iat, T0 / 1000);
      assert.equal(claims.exp, T0 / 1000 + 300, "five minutes by default");
      assert.match(String(claims.jti), /^[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{22}$/);
    });
  }

  test("CryptoKey keys work as KeyObjects do", async () => {
    const pair = (await webcrypto.subtle.generateKey(
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign", "verify"],
    )) as webcrypto.CryptoKeyPair;
    const hmac = (await webcrypto.subtle.generateKey(
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign", "verify"],
    )) as webcrypto.CryptoKey;
    const edPair = (await webcrypto.subtle.generateKey({ name: "Ed25519" }, false, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    for (const key of [
      { kid: "c-es", alg: "ES256", key: pair.privateKey },
      { kid: "c-hs", alg: "HS256", key: hmac },
      { kid: "c-ed", alg: "EdDSA", key: edPair.privateKey },
    ] as const) {
      const c = codec([key]);
      assert.equal(claimsOf(await c.verify(await c.sign({ sub: "u" }))).sub, "u");
    }
    // The public CryptoKey alone verifies what the private one signed.
    const signer = codec([{ kid: "c-es", alg: "ES256", key: pair.privateKey }]);
    const verifier = codec([{ kid: "c-es", alg: "ES256", key: pair.publicKey }]);
    assert.ok((await verifier.verify(await signer.sign({ sub: "u" }))).ok);
  });

  test("ttlSeconds of the codec and of one sign; typ of the codec", async () => {
    const c = codec([ES], { ttlSeconds: 3600, typ: JWT_TYP_ACCESS_TOKEN });
    assert.equal(c.typ, "at+jwt");
    const long = claimsOf(await c.verify(await c.sign({ sub: "u" })));
    assert.equal(long.exp, T0 / 1000 + 3600);
    const short = claimsOf(await c.verify(await c.sign({ sub: "u" }, { ttlSeconds: 60 })));
    assert.equal(short.exp, T0 / 1000 + 60);
    assert.equal(codec([ES]).typ, JWT_TYP_SESSION);
  });

  test("the jti carries the user's shard; a given jti is kept", async () => {
    const c = codec([HS]);
    const a = claimsOf(await c.verify(await c.sign({ sub: "alice" })));
    assert.equal(String(a.jti).slice(0, 4), newTokenId("alice").slice(0, 4));
    const b = claimsOf(await c.verify(await c.sign({ sub: "alice", jti: "mine" })));
    assert.equal(b.jti, "mine");
  });

  test("key rotation: the newest key signs, older keys still verify, removed keys do not", async () => {
    const before = codec([ES]);
    const during = codec([ES_B, ES]);
    const afterwards = codec([ES_B]);
    const old = await before.sign({ sub: "u" });
    const fresh = await during.sign({ sub: "u" });
    assert.equal(headerOf(fresh).kid, "es-2");
    assert.ok((await during.verify(old)).ok);
    assert.ok((await during.verify(fresh)).ok);
    assert.ok((await afterwards.verify(fresh)).ok);
    await refused(afterwards, old, "unknown-key");
  });

  test("a verify-only codec (public keys) refuses to sign", async () => {
    const c = codec([{ kid: "es-1", alg: "ES256", key: ec.publicKey }]);
    assert.ok((await c.verify(await codec([ES]).sign({ sub: "u" }))).ok);
    await assert.rejects(
      c.sign({ sub: "u" }),
      (e: unknown) => e instanceof TransportError && e.code === "ERR_JWT_NO_SIGNING_KEY",
    );
    // With a private key later in the ring, that one signs.
    const mixed = codec([{ kid: "pub", alg: "ES256", key: ec2.publicKey }, HS]);
    assert.equal(headerOf(await mixed.sign({ sub: "u" })).kid, "hs-1");
  });

  test("sign refuses reserved and non-JSON claims", async () => {
    const c = codec([HS]);
    for (const claims of [
      { iss: "x" },
      { aud: "x" },
      { exp: 1 },
      { iat: 1 },
      { sub: 1 },
      { jti: "" },
      { nbf: "soon" },
      { big: 1n },
    ]) {
      await assert.rejects(
        c.sign(claims as never),
        (e: unknown) => e instanceof TransportError && e.code === "ERR_JWT_CLAIMS_INVALID",
        JSON.stringify(Object.keys(claims)),
      );
    }
    await assert.rejects(c.sign({ sub: "u" }, { ttlSeconds: 0 }), TransportError);
  });
});

describe("jwt codec: options and keys are checked when made", () => {
  const bad = (options: unknown, code: string, message?: RegExp): void => {
    assert.throws(
      () => createJwtCodec(options as JwtCodecOptions),
      (e: unknown) =>
        e instanceof TransportError && e.code === code && (message?.test(e.message) ?? true),
    );
  };
  const base = { issuer: ISS, audience: AUD };

  test("keys", () => {
    bad({ ...base, keys: [] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, keys: [HS, { ...HS_B, kid: "hs-1" }] }, "ERR_JWT_KEY_INVALID", /twice/);
    bad({ ...base, keys: [{ ...HS, kid: "" }] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, keys: [{ ...HS, kid: "a b" }] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, keys: [{ ...HS, alg: "HS512" }] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, keys: [{ ...HS, alg: "none" }] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, keys: [{ ...HS, key: randomBytes(31) }] }, "ERR_JWT_KEY_INVALID", /32/);
    // Placeholders, as every other key ring refuses them: a few characters, or a block repeated.
    for (const placeholder of [
      "x".repeat(32),
      "changeme".repeat(4),
      "0123456789abcdef".repeat(2),
    ]) {
      bad(
        { ...base, keys: [{ ...HS, key: Buffer.from(placeholder) }] },
        "ERR_JWT_KEY_INVALID",
        /key "hs-1" \(HS256\) is not a random secret/,
      );
      bad(
        { ...base, keys: [{ ...HS, key: createSecretKey(Buffer.from(placeholder)) }] },
        "ERR_JWT_KEY_INVALID",
        /not a random secret/,
      );
    }
    bad({ ...base, keys: [{ ...HS, key: ec.publicKey }] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, keys: [{ ...ES, key: secret }] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, keys: [{ ...ES, key: ed.privateKey }] }, "ERR_JWT_KEY_INVALID", /P-256/);
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
    bad({ ...base, keys: [{ ...ES, key: p384.privateKey }] }, "ERR_JWT_KEY_INVALID", /P-256/);
    bad({ ...base, keys: [{ ...ED, key: ec.privateKey }] }, "ERR_JWT_KEY_INVALID", /Ed25519/);
    bad({ ...base, keys: [{ ...ED, key: "secret" }] }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, jwks: { keys: [{ kty: "oct", k: "AAAA" }] } }, "ERR_JWT_KEY_INVALID");
    bad({ ...base, jwks: { nope: 1 } }, "ERR_JWT_KEY_INVALID");
    bad({ ...base }, "ERR_JWT_OPTIONS_INVALID");
    bad({ ...base, keys: [HS], jwks: { keys: [] } }, "ERR_JWT_OPTIONS_INVALID");
    bad({ ...base, jwks: { keys: [] }, algorithms: ["HS256"] }, "ERR_JWT_OPTIONS_INVALID");
  });

  test("the rest", () => {
    const keys = [HS];
    bad({ keys, audience: AUD }, "ERR_JWT_OPTIONS_INVALID", /issuer/);
    bad({ keys, issuer: ISS }, "ERR_JWT_OPTIONS_INVALID", /audience/);
    bad({ keys, issuer: ISS, audience: [] }, "ERR_JWT_OPTIONS_INVALID", /audience/);
    bad({ ...base, keys, typ: "" }, "ERR_JWT_OPTIONS_INVALID", /typ/);
    bad({ ...base, keys, ttlSeconds: 0 }, "ERR_JWT_OPTIONS_INVALID", /ttlSeconds/);
    bad({ ...base, keys, ttlSeconds: 1.5 }, "ERR_JWT_OPTIONS_INVALID", /ttlSeconds/);
    bad({ ...base, keys, clockToleranceSeconds: -1 }, "ERR_JWT_OPTIONS_INVALID");
    bad({ ...base, keys, maxTokenLength: 0 }, "ERR_JWT_OPTIONS_INVALID");
  });
});

describe("jwt codec: every rule refuses with its reason", () => {
  test("malformed: not a compact JWS", async () => {
    const c = codec([HS]);
    const good = await c.sign({ sub: "u" });
    const [h, p, s] = parts(good);
    for (const t of [
      undefined,
      null,
      42,
      {},
      "",
      "a",
      "a.b",
      `${h}.${p}`,
      `${good}.${s}`,
      `${h}.${p}.`,
      `.${p}.${s}`,
      ` ${good}`,
      `${good} `,
      `${h}.${p}.${s}=`,
      `${h}.${p}+.${s}`,
      `${b64("not an object")}.${p}.${s}`,
      `${Buffer.from("{not json").toString("base64url")}.${p}.${s}`,
      `${b64({ typ: "session+jwt" })}.${p}.${s}`, // no alg
      `${b64({ alg: 256 })}.${p}.${s}`,
      `${b64({ alg: "HS256", kid: 7 })}.${p}.${s}`,
      "x".repeat(9000),
    ]) {
      await refused(c, t, "malformed");
    }
    const shortLimit = codec([HS], { maxTokenLength: 100 });
    await refused(shortLimit, good, "malformed");
  });

  test("sign refuses a token that verify would refuse for its length", async () => {
    const c = codec([HS], { maxTokenLength: 300 });
    const fits = await c.sign({ sub: "u" });
    assert.equal((await c.verify(fits)).ok, true);
    await assert.rejects(
      c.sign({ sub: "u", note: "x".repeat(400) }),
      (e: unknown) =>
        e instanceof TransportError &&
        e.code === "ERR_TRANSPORT_TOO_LARGE" &&
        /over the maxTokenLength of 300/.test(e.message),
    );
  });

  test("malformed: a signed payload that is not a JSON object; an unknown crit", async () => {
    const c = codec([HS]);
    for (const payload of ["not json", "[1,2]", "42"]) {
      const t = await new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: "HS256", kid: "hs-1", typ: "session+jwt" })
        .sign(secret);
      await refused(c, t, "malformed");
    }
    // jose will not sign an unknown crit; an HMAC by hand will.
    const critHeader = b64({
      alg: "HS256",
      kid: "hs-1",
      typ: "session+jwt",
      crit: ["urn:x"],
      "urn:x": 1,
    });
    const input = `${critHeader}.${b64(goodClaims())}`;
    const crit = `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
    await refused(c, crit, "malformed");
  });

  test("expired, at the second; clockToleranceSeconds gives leeway", async () => {
    let now = T0;
    const c = codec([ES], { now: () => now });
    const token = await c.sign({ sub: "u" });
    now = T0 + 300_000 - 1;
    assert.ok((await c.verify(token)).ok);
    now = T0 + 300_000;
    await refused(c, token, "expired");
    const lenient = codec([ES], { now: () => now + 10_000, clockToleranceSeconds: 30 });
    assert.ok((await lenient.verify(token)).ok);
    now = T0 + 10 * 365 * 86_400_000;
    await refused(c, token, "expired");
  });

  test("not-yet-valid: nbf in the future", async () => {
    let now = T0;
    const c = codec([ES], { now: () => now });
    const token = await c.sign({ sub: "u", nbf: T0 / 1000 + 60 });
    await refused(c, token, "not-yet-valid");
    now = T0 + 60_000;
    assert.ok((await c.verify(token)).ok);
  });

  test("claims: exp missing or not a number", async () => {
    const c = codec([HS]);
    const { exp: _exp, ...noExp } = goodClaims();
    await refused(
      c,
      await forge({ alg: "HS256", kid: "hs-1", typ: "session+jwt" }, noExp, secret),
      "claims",
    );
    await refused(
      c,
      await forge(
        { alg: "HS256", kid: "hs-1", typ: "session+jwt" },
        goodClaims({ exp: "later" as never }),
        secret,
      ),
      "claims",
    );
  });

  test("claims: wrong or missing iss, aud; requiredClaims", async () => {
    const c = codec([HS]);
    const h = { alg: "HS256", kid: "hs-1", typ: "session+jwt" };
    await refused(c, await forge(h, goodClaims({ iss: "https://evil.example" }), secret), "claims");
    await refused(
      c,
      await forge(h, goodClaims({ aud: "https://other.example" }), secret),
      "claims",
    );
    await refused(c, await forge(h, goodClaims({ aud: ["x", "y"] }), secret), "claims");
    const { iss: _iss, ...noIss } = goodClaims();
    await refused(c, await forge(h, noIss, secret), "claims");
    const { aud: _aud, ...noAud } = goodClaims();
    await refused(c, await forge(h, noAud, secret), "claims");
    // An audience array that holds ours is accepted (RFC 7519 4.1.3).
    assert.ok((await c.verify(await forge(h, goodClaims({ aud: ["x", AUD] }), secret))).ok);
    // A codec of another issuer or audience, same keys.
    const token = await c.sign({ sub: "u" });
    await refused(codec([HS], { issuer: "https://other.example" }), token, "claims");
    await refused(codec([HS], { audience: "https://other.example/api" }), token, "claims");
    assert.ok((await codec([HS], { audience: ["z", AUD] }).verify(token)).ok);
    const strict = codec([HS], { requiredClaims: ["sub", "jti"] });
    await refused(strict, await forge(h, goodClaims(), secret), "claims");
    assert.ok((await strict.verify(token)).ok);
  });

  test("claims: typ separates session cookies from access tokens", async () => {
    const session = codec([HS]);
    const access = codec([HS], { typ: JWT_TYP_ACCESS_TOKEN });
    await refused(access, await session.sign({ sub: "u" }), "claims");
    await refused(session, await access.sign({ sub: "u" }), "claims");
    await refused(
      session,
      await forge({ alg: "HS256", kid: "hs-1" }, goodClaims(), secret),
      "claims",
    );
    await refused(
      session,
      await forge({ alg: "HS256", kid: "hs-1", typ: "JWT" }, goodClaims(), secret),
      "claims",
    );
    // RFC 9068 allows the media type form.
    const long = await forge(
      { alg: "HS256", kid: "hs-1", typ: "application/at+jwt" },
      goodClaims(),
      secret,
    );
    assert.ok((await access.verify(long)).ok);
  });

  test("unknown-key: kid not in the ring; kid missing with several keys", async () => {
    const c = codec([HS, ES]);
    const h = { alg: "HS256", typ: "session+jwt" };
    await refused(c, await forge({ ...h, kid: "nope" }, goodClaims(), secret), "unknown-key");
    await refused(c, await forge(h, goodClaims(), secret), "unknown-key");
    // With one key, kid may be left out; if present it must match.
    const one = codec([HS]);
    assert.ok((await one.verify(await forge(h, goodClaims(), secret))).ok);
    await refused(one, await forge({ ...h, kid: "hs-2" }, goodClaims(), secret), "unknown-key");
  });
});

describe("jwt codec: attacks", () => {
  const cases = [
    ["ES256", ES],
    ["EdDSA", ED],
    ["HS256", HS],
  ] as const;

  for (const [name, key] of cases) {
    test(`${name}: changing any one character of the token is refused`, async () => {
      const c = codec([key]);
      const token = await c.sign({ sub: "user-1", data: { cart: [1, 2, 3] } });
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
      let checked = 0;
      for (let i = 0; i < token.length; i++) {
        const original = token[i] as string;
        // Two replacements per position: a neighbour in the alphabet and a far one.
        const at = alphabet.indexOf(original);
        for (const replacement of [
          alphabet[(at + 1) % alphabet.length],
          alphabet[(at + 33) % alphabet.length],
        ]) {
          const changed = token.slice(0, i) + replacement + token.slice(i + 1);
          const r = await c.verify(changed);
          assert.equal(r.ok, false, `changing position ${i} to ${replacement} was accepted`);
          checked++;
        }
      }
      assert.equal(checked, token.length * 2);
      assert.ok((await c.verify(token)).ok);
    });

    test(`${name}: every truncation of the token is refused`, async () => {
      const c = codec([key]);
      const token = await c.sign({ sub: "user-1" });
      for (let n = 0; n < token.length; n++) {
        assert.equal((await c.verify(token.slice(0, n))).ok, false, `prefix of ${n}`);
        assert.equal((await c.verify(token.slice(n + 1))).ok, false, `suffix from ${n + 1}`);
      }
    });
  }

  test("swapping payloads and signatures between keys is refused", async () => {
    for (const [k1, k2] of [
      [ES, ES_B],
      [HS, HS_B],
      [ES, ED],
      [HS, ES],
    ] as const) {
      const ring = codec([k1, k2]);
      const t1 = await codec([k1]).sign({ sub: "alice" });
      const t2 = await codec([k2]).sign({ sub: "mallory" });
      const [h1, p1, s1] = parts(t1);
      const [h2, p2, s2] = parts(t2);
      assert.ok((await ring.verify(t1)).ok && (await ring.verify(t2)).ok);
      await refused(ring, `${h1}.${p2}.${s1}`, "bad-signature");
      await refused(ring, `${h2}.${p1}.${s2}`, "bad-signature");
      // A header naming key 1 on what key 2 signed.
      await refused(ring, `${h1}.${p2}.${s2}`, "bad-signature");
      await refused(ring, `${h1}.${p1}.${s2}`, "bad-signature");
    }
  });

  test("a token signed by another key of the same kid is refused", async () => {
    const c = codec([ES]);
    const impostor = codec([{ kid: "es-1", alg: "ES256", key: ec2.privateKey }]);
    await refused(c, await impostor.sign({ sub: "admin" }), "bad-signature");
    const h = codec([HS]);
    const hImpostor = codec([{ kid: "hs-1", alg: "HS256", key: secret2 }]);
    await refused(h, await hImpostor.sign({ sub: "admin" }), "bad-signature");
  });

  test("algorithm confusion: HS256 signed with the ES256 public key as HMAC secret", async () => {
    const pubForms: Uint8Array[] = [
      new Uint8Array(ec.publicKey.export({ format: "der", type: "spki" })),
      new Uint8Array(Buffer.from(ec.publicKey.export({ format: "pem", type: "spki" }))),
      new Uint8Array(Buffer.from(JSON.stringify(ec.publicKey.export({ format: "jwk" })))),
    ];
    for (const ring of [[ES], [ES, HS]]) {
      const c = codec(ring);
      for (const hmacKey of pubForms) {
        const withKid = await forge(
          { alg: "HS256", kid: "es-1", typ: "session+jwt" },
          goodClaims({ sub: "admin" }),
          hmacKey,
        );
        await refused(c, withKid, "algorithm");
        const noKid = await forge({ alg: "HS256", typ: "session+jwt" }, goodClaims(), hmacKey);
        await refused(c, noKid, ring.length === 1 ? "algorithm" : "unknown-key");
      }
    }
    // And the other way round: an ES256 header naming an HS256 key.
    const hs = codec([HS, ES]);
    const other = await forge(
      { alg: "ES256", kid: "hs-1", typ: "session+jwt" },
      goodClaims(),
      ec.privateKey,
    );
    await refused(hs, other, "algorithm");
  });

  test('alg "none", in any case, with or without a signature', async () => {
    for (const c of [codec([ES]), codec([HS]), codec([HS, ES])]) {
      const good = await c.sign({ sub: "u" });
      const [, p, s] = parts(good);
      for (const alg of ["none", "None", "NONE", "nOnE"]) {
        for (const kid of [undefined, "es-1", "hs-1"]) {
          const h = b64({ alg, typ: "session+jwt", ...(kid === undefined ? {} : { kid }) });
          await refused(c, `${h}.${p}.`, "malformed"); // an empty signature is no JWS at all
          await refused(c, `${h}.${p}.${s}`, "algorithm");
        }
      }
    }
  });

  test("alg changed in the header, signature kept", async () => {
    for (const key of [ES, ED, HS]) {
      const c = codec([key]);
      const [h, p, s] = parts(await c.sign({ sub: "u" }));
      const header = JSON.parse(Buffer.from(h, "base64url").toString()) as Record<string, unknown>;
      for (const alg of [
        "HS256",
        "HS384",
        "HS512",
        "ES256",
        "ES384",
        "RS256",
        "PS256",
        "EdDSA",
        "Ed25519",
      ]) {
        if (alg === key.alg) continue;
        await refused(c, `${b64({ ...header, alg })}.${p}.${s}`, "algorithm");
      }
    }
  });

  test("a key carried or pointed to in the header (jwk, jku, x5u, x5c) is refused", async () => {
    const attacker = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const ours = await exportJWK(ec.publicKey);
    const c = codec([ES]);
    const headers: Record<string, unknown>[] = [
      { jwk: attackerJwk },
      { jwk: ours },
      { jku: "https://evil.example/jwks.json" },
      { x5u: "https://evil.example/cert.pem" },
      { x5c: ["MIIBszCCAVmgAwIBAgIUQ"] },
    ];
    for (const extra of headers) {
      // Signed by the attacker's key (what the header points to) and by ours: refused both ways.
      for (const [signer, kid] of [
        [attacker.privateKey, undefined],
        [ec.privateKey, "es-1"],
      ] as const) {
        const t = await forge(
          { alg: "ES256", typ: "session+jwt", ...(kid === undefined ? {} : { kid }), ...extra },
          goodClaims({ sub: "admin" }),
          signer,
        );
        await refused(c, t, "header-key");
      }
    }
  });

  test("tokens of one codec are no use to a codec of other keys", async () => {
    const a = codec([HS]);
    const b = codec([{ kid: "hs-1", alg: "HS256", key: secret2 }, ES]);
    await refused(b, await a.sign({ sub: "u" }), "bad-signature");
  });
});

describe("jwt codec over a JSON Web Key Set", () => {
  let jwks: JSONWebKeySet;
  before(async () => {
    jwks = {
      keys: [
        { ...(await exportJWK(ec.publicKey)), kid: "es-1", alg: "ES256", use: "sig" },
        { ...(await exportJWK(ed.publicKey)), kid: "ed-1" }, // no alg: pinned by its type
      ],
    };
  });

  const jwksCodec = (more: Partial<JwtCodecOptions> = {}): JwtCodec =>
    createJwtCodec({ jwks, issuer: ISS, audience: AUD, now: () => T0, ...more } as JwtCodecOptions);

  test("a local set verifies tokens of its keys, by kid", async () => {
    const c = jwksCodec();
    assert.ok((await c.verify(await codec([ES]).sign({ sub: "u" }))).ok);
    assert.ok((await c.verify(await codec([ED]).sign({ sub: "u" }))).ok);
    // signWith: this service issues too.
    const issuer = jwksCodec({ signWith: ES });
    assert.ok((await c.verify(await issuer.sign({ sub: "u" }))).ok);
    await assert.rejects(
      c.sign({ sub: "u" }),
      (e: unknown) => e instanceof TransportError && e.code === "ERR_JWT_NO_SIGNING_KEY",
    );
  });

  test("kid is required, and must name a key of the set", async () => {
    const c = jwksCodec();
    await refused(
      c,
      await forge({ alg: "ES256", typ: "session+jwt" }, goodClaims(), ec.privateKey),
      "unknown-key",
    );
    await refused(
      c,
      await forge({ alg: "ES256", typ: "session+jwt", kid: "es-9" }, goodClaims(), ec.privateKey),
      "unknown-key",
    );
  });

  test("algorithms are pinned: per JWK alg, per key type, and HS256 never", async () => {
    const c = jwksCodec();
    // es-1 says ES256; ed-1 is an Ed25519 key.
    await refused(
      c,
      await forge({ alg: "EdDSA", kid: "es-1", typ: "session+jwt" }, goodClaims(), ed.privateKey),
      "algorithm",
    );
    await refused(
      c,
      await forge({ alg: "ES256", kid: "ed-1", typ: "session+jwt" }, goodClaims(), ec.privateKey),
      "algorithm",
    );
    const asSecret = new Uint8Array(Buffer.from(JSON.stringify(jwks.keys[0])));
    await refused(
      c,
      await forge({ alg: "HS256", kid: "es-1", typ: "session+jwt" }, goodClaims(), asSecret),
      "algorithm",
    );
    const onlyEd = jwksCodec({ algorithms: ["EdDSA"] } as Partial<JwtCodecOptions>);
    await refused(onlyEd, await codec([ES]).sign({ sub: "u" }), "algorithm");
    await refused(
      c,
      await forge(
        { alg: "ES256", kid: "es-1", typ: "session+jwt", jwk: jwks.keys[0] },
        goodClaims(),
        ec.privateKey,
      ),
      "header-key",
    );
  });
});

describe("jwt codec over a remote JWKS", () => {
  let server: Server;
  let url: URL;
  let served: JSONWebKeySet | "error" = { keys: [] };
  let fetches = 0;
  before(async () => {
    served = { keys: [{ ...(await exportJWK(ec.publicKey)), kid: "es-1", alg: "ES256" }] };
    server = createServer((_req, res) => {
      fetches++;
      if (served === "error") {
        res.writeHead(500).end("down");
        return;
      }
      res
        .writeHead(200, { "content-type": "application/jwk-set+json" })
        .end(JSON.stringify(served));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test("fetched once, cached, refetched for a new kid (key rotation)", async () => {
    const c = createJwtCodec({
      jwks: url,
      issuer: ISS,
      audience: AUD,
      now: () => T0,
      remote: { cooldownDuration: 0 },
    });
    fetches = 0;
    const t1 = await codec([ES]).sign({ sub: "u" });
    assert.ok((await c.verify(t1)).ok);
    assert.ok((await c.verify(t1)).ok);
    assert.equal(fetches, 1);
    // The issuer rotates to es-2 and publishes it.
    served = {
      keys: [
        { ...(await exportJWK(ec2.publicKey)), kid: "es-2", alg: "ES256" },
        { ...(await exportJWK(ec.publicKey)), kid: "es-1", alg: "ES256" },
      ],
    };
    const t2 = await codec([ES_B]).sign({ sub: "u" });
    assert.ok((await c.verify(t2)).ok);
    assert.equal(fetches, 2);
    assert.ok((await c.verify(t1)).ok);
    await refused(c, `${parts(t2)[0]}.${parts(t1)[1]}.${parts(t2)[2]}`, "bad-signature");
  });

  test("a key server that is down throws ERR_JWT_JWKS_UNAVAILABLE, not a refusal", async () => {
    served = "error";
    const c = createJwtCodec({ jwks: url, issuer: ISS, audience: AUD, now: () => T0 });
    const token = await codec([ES]).sign({ sub: "u" });
    await assert.rejects(
      c.verify(token),
      (e: unknown) => e instanceof TransportError && e.code === "ERR_JWT_JWKS_UNAVAILABLE",
    );
    // Input that is refused before any key is needed never reaches the key server.
    await refused(c, "garbage", "malformed");
    await refused(
      c,
      await forge({ alg: "HS256", kid: "es-1", typ: "session+jwt" }, goodClaims(), secret),
      "algorithm",
    );
    served = { keys: [{ ...(await exportJWK(ec.publicKey)), kid: "es-1", alg: "ES256" }] };
    assert.ok((await c.verify(token)).ok);
  });
});
