import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  createEncryptedCodec,
  ENCRYPTED_COOKIE_HKDF_INFO,
  type EncryptedOpenFailure,
  type EncryptedOpenResult,
} from "./encrypted-cookie.js";
import { TransportError } from "./errors.js";
import { newSessionId, type SessionPayload } from "./payload.js";
import { createSignedCodec } from "./signed-cookie.js";
import type { OpenResult } from "./types.js";

/** An expired result: authentic, so it carries the payload that expired. */
function expired(r: OpenResult, message?: string): void {
  assert.equal(r.ok, false, message);
  assert.equal(r.ok === false && r.reason, "expired", message);
  assert.equal(r.ok === false && typeof r.payload?.sid, "string", message);
}

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const MIN = 60_000;
const NAME = "__Host-session";
const k1 = { id: "k1", secret: randomBytes(32) };
const k2 = { id: "k2", secret: randomBytes(32) };

function payload(over: Partial<SessionPayload> = {}): SessionPayload {
  return {
    v: 1,
    sid: newSessionId(),
    sub: "user-42",
    data: { cart: [1, 2, 3], theme: "dark", name: "Zoë 🍪" },
    iat: T0,
    idleExp: T0 + 30 * MIN,
    absExp: T0 + 8 * 60 * MIN,
    elv: T0,
    ...over,
  };
}

const clockAt = (t: number) => () => t;
const codecOf = (keys: { id: string; secret: Uint8Array }[], cookieName = NAME, t = T0) =>
  createEncryptedCodec({ keys, cookieName, now: clockAt(t) });

const AUTHENTICITY: readonly EncryptedOpenFailure[] = [
  "malformed",
  "unknown-key",
  "bad-ciphertext",
];

function refusedForAuthenticity(r: EncryptedOpenResult, label = ""): void {
  assert.equal(r.ok, false, label);
  if (!r.ok) assert.ok(AUTHENTICITY.includes(r.reason), `${label}: reason ${r.reason}`);
}

/** The AES key of a ring entry, derived as the format specifies. */
const aesKey = (secret: Uint8Array): Buffer =>
  Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), ENCRYPTED_COOKIE_HKDF_INFO, 32));

/** Seals `plaintext` exactly as the format specifies, for values the codec would never write. */
function forge(secret: Uint8Array, kid: string, plaintext: string, cookieName = NAME): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", aesKey(secret), iv);
  cipher.setAAD(Buffer.from(`v1|${cookieName}`));
  const body = Buffer.concat([iv, cipher.update(plaintext, "utf8"), cipher.final()]);
  return `v1.${kid}.${Buffer.concat([body, cipher.getAuthTag()]).toString("base64url")}`;
}

describe("encrypted cookie codec", () => {
  test("round trip: open gives back the payload sealed, and the key that opened it", () => {
    const codec = codecOf([k1]);
    const p = payload();
    assert.deepEqual(codec.open(codec.seal(p)), { ok: true, payload: p, kid: "k1" });
    for (const q of [payload({ sub: null }), payload({ elv: null }), payload({ data: {} })]) {
      assert.deepEqual(codec.open(codec.seal(q)), { ok: true, payload: q, kid: "k1" });
    }
    assert.equal(codec.keyId, "k1");
  });

  test("round trip of any JSON data (property)", () => {
    const codec = codecOf([k1]);
    const dataArb = fc.dictionary(
      fc.string().filter((k) => k !== "__proto__"),
      fc.jsonValue({ maxDepth: 4 }),
      { maxKeys: 8 },
    );
    fc.assert(
      fc.property(dataArb, (data) => {
        let value: string;
        try {
          value = codec.seal(payload({ data }));
        } catch (e) {
          // The only acceptable refusals: data too large for a cookie, or a "__proto__" key.
          assert.ok(e instanceof TransportError);
          if (e.code !== "ERR_TRANSPORT_TOO_LARGE") {
            assert.equal(e.code, "ERR_TRANSPORT_PAYLOAD_INVALID");
            assert.match(JSON.stringify(data), /"__proto__":/);
          }
          return;
        }
        const r = codec.open(value);
        assert.ok(r.ok);
        assert.deepEqual(r.payload.data, JSON.parse(JSON.stringify(data)));
      }),
      { numRuns: 300 },
    );
  });

  test("the value has the documented format: HKDF key, 96-bit IV, AAD v1|<cookie name>", () => {
    const codec = codecOf([k1]);
    const p = payload();
    const value = codec.seal(p);
    const m = /^v1\.k1\.([A-Za-z0-9_-]+)$/.exec(value);
    assert.ok(m, value);
    const body = Buffer.from(m[1] ?? "", "base64url");
    const json = JSON.stringify(p);
    assert.equal(body.length, 12 + Buffer.byteLength(json) + 16);
    const decipher = createDecipheriv("aes-256-gcm", aesKey(k1.secret), body.subarray(0, 12));
    decipher.setAAD(Buffer.from(`v1|${NAME}`));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const plain = Buffer.concat([decipher.update(body.subarray(12, -16)), decipher.final()]);
    assert.deepEqual(JSON.parse(plain.toString("utf8")), p);
    // And a value made by the specification alone opens.
    assert.deepEqual(codec.open(forge(k1.secret, "k1", json)), { ok: true, payload: p, kid: "k1" });
    // Nothing of the payload is visible.
    assert.ok(!value.includes(Buffer.from("user-42").toString("base64url").slice(0, 8)));
    assert.ok(!Buffer.from(value).includes("user-42"));
  });

  test("the IV differs on every seal, so equal sessions give unrelated values", () => {
    const codec = codecOf([k1]);
    const p = payload();
    const ivs = new Set<string>();
    const values = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const value = codec.seal(p);
      values.add(value);
      ivs.add(
        Buffer.from(value.slice("v1.k1.".length), "base64url").subarray(0, 12).toString("hex"),
      );
    }
    assert.equal(ivs.size, 2000);
    assert.equal(values.size, 2000);
  });

  test("every single-bit change of every character is refused, as not authentic", () => {
    const codec = codecOf([k1, k2]);
    const value = codec.seal(payload());
    for (let i = 0; i < value.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const c = String.fromCharCode(value.charCodeAt(i) ^ (1 << bit));
        refusedForAuthenticity(
          codec.open(value.slice(0, i) + c + value.slice(i + 1)),
          `${i}/${bit}`,
        );
      }
    }
  });

  test("a character outside ASCII is refused, even where its low byte is the original", () => {
    const codec = codecOf([k1]);
    const value = codec.seal(payload());
    for (let i = 0; i < value.length; i++) {
      for (const high of [0x100, 0xd800 - value.charCodeAt(i), 0xff00]) {
        const c = String.fromCharCode(value.charCodeAt(i) + high);
        refusedForAuthenticity(codec.open(value.slice(0, i) + c + value.slice(i + 1)), String(i));
      }
    }
  });

  test("every single-bit change of the sealed bytes is refused as bad-ciphertext", () => {
    const codec = codecOf([k1]);
    const value = codec.seal(payload());
    const body = Buffer.from(value.slice("v1.k1.".length), "base64url");
    for (let i = 0; i < body.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(body);
        copy[i] = (copy[i] as number) ^ (1 << bit);
        assert.deepEqual(codec.open(`v1.k1.${copy.toString("base64url")}`), {
          ok: false,
          reason: "bad-ciphertext",
        });
      }
    }
  });

  test("a base64url spelling other than the canonical one is refused", () => {
    const codec = codecOf([k1]);
    // Find a value whose last character carries unused bits, and set them.
    for (;;) {
      const value = codec.seal(payload());
      const rest = (value.length - "v1.k1.".length) % 4;
      if (rest === 0) continue;
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const last = alphabet.indexOf(value.charAt(value.length - 1));
      const other = alphabet.charAt(last | 1);
      const respelled = value.slice(0, -1) + other;
      assert.deepEqual(
        Buffer.from(respelled.slice(6), "base64url"),
        Buffer.from(value.slice(6), "base64url"),
        "the two spellings decode to the same bytes",
      );
      assert.deepEqual(codec.open(respelled), { ok: false, reason: "malformed" });
      assert.deepEqual(codec.open(`${value}=`), { ok: false, reason: "malformed" });
      return;
    }
  });

  test("every truncation is refused, and so is anything appended", () => {
    const codec = codecOf([k1]);
    const value = codec.seal(payload());
    for (let n = 0; n < value.length; n++) {
      refusedForAuthenticity(codec.open(value.slice(0, n)), `prefix ${n}`);
      refusedForAuthenticity(codec.open(value.slice(value.length - n)), `suffix ${n}`);
    }
    for (const tail of ["A", "AA", "AAAA", "=", ".", " ", "\0"]) {
      refusedForAuthenticity(codec.open(value + tail), JSON.stringify(tail));
    }
  });

  test("a value sealed for one cookie name is refused under another", () => {
    const a = codecOf([k1], "__Host-session");
    const b = codecOf([k1], "__Host-admin");
    const c = codecOf([k1], "__host-session");
    const value = a.seal(payload());
    assert.deepEqual(b.open(value), { ok: false, reason: "bad-ciphertext" });
    assert.deepEqual(c.open(value), { ok: false, reason: "bad-ciphertext" });
    assert.equal(a.open(value).ok, true);
    // The format version is bound too: a "v2|" value under the v1 prefix is refused.
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", aesKey(k1.secret), iv);
    cipher.setAAD(Buffer.from("v2|__Host-session"));
    const ct = Buffer.concat([cipher.update(JSON.stringify(payload())), cipher.final()]);
    const v2 = `v1.k1.${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString("base64url")}`;
    assert.deepEqual(a.open(v2), { ok: false, reason: "bad-ciphertext" });
  });

  test("values and their parts do not move between keys or codecs", () => {
    const a = codecOf([k1]);
    const b = codecOf([k2]);
    const both = codecOf([k1, k2]);
    const sameIdOtherSecret = codecOf([{ id: "k1", secret: randomBytes(32) }]);
    const va = a.seal(payload({ sub: "alice" }));
    const vb = b.seal(payload({ sub: "bob" }));
    const bodyA = Buffer.from(va.slice(6), "base64url");
    const bodyB = Buffer.from(vb.slice(6), "base64url");

    assert.deepEqual(b.open(va), { ok: false, reason: "unknown-key" });
    assert.deepEqual(sameIdOtherSecret.open(va), { ok: false, reason: "bad-ciphertext" });
    assert.deepEqual(both.open(`v1.k2.${va.slice(6)}`), { ok: false, reason: "bad-ciphertext" });
    assert.deepEqual(both.open(`v1.k1.${vb.slice(6)}`), { ok: false, reason: "bad-ciphertext" });
    // Splices: A's IV and tag around B's ciphertext, and the other way round.
    const splice = (iv: Buffer, ct: Buffer, tag: Buffer): string =>
      `v1.k1.${Buffer.concat([iv.subarray(0, 12), ct.subarray(12, -16), tag.subarray(-16)]).toString("base64url")}`;
    const va2 = a.seal(payload({ sub: "mallory" }));
    const bodyA2 = Buffer.from(va2.slice(6), "base64url");
    for (const spliced of [
      splice(bodyA, bodyA2, bodyA),
      splice(bodyA2, bodyA, bodyA),
      splice(bodyA, bodyA, bodyA2),
      splice(bodyA, bodyB, bodyA),
    ]) {
      assert.deepEqual(a.open(spliced), { ok: false, reason: "bad-ciphertext" });
    }
    assert.equal(both.open(va).ok && both.open(vb).ok, true);
  });

  test("signed and encrypted values are not mistaken for each other, even under one key", () => {
    const encrypted = codecOf([k1]);
    const signed = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    assert.deepEqual(encrypted.open(signed.seal(payload())), { ok: false, reason: "malformed" });
    assert.deepEqual(signed.open(encrypted.seal(payload())), { ok: false, reason: "malformed" });
  });

  test("key rotation: the newest key seals, old keys open until removed", () => {
    const before = codecOf([k1]);
    const during = codecOf([k2, k1]);
    const after = codecOf([k2]);
    const old = before.seal(payload());
    const r = during.open(old);
    assert.equal(r.ok && r.kid, "k1");
    const fresh = during.seal(payload());
    assert.match(fresh, /^v1\.k2\./);
    assert.equal(after.open(fresh).ok, true);
    assert.deepEqual(after.open(old), { ok: false, reason: "unknown-key" });
    assert.deepEqual(during.open(`v1.k9.${old.slice(6)}`), { ok: false, reason: "unknown-key" });
  });

  test("expiry: idle and absolute, each from its first instant", () => {
    const value = codecOf([k1]).seal(payload({ idleExp: T0 + 30 * MIN, absExp: T0 + 60 * MIN }));
    const at = (t: number) => codecOf([k1], NAME, t).open(value);
    assert.equal(at(T0 + 30 * MIN - 1).ok, true);
    expired(at(T0 + 30 * MIN));
    const v2 = codecOf([k1]).seal(payload({ idleExp: T0 + 90 * MIN, absExp: T0 + 60 * MIN }));
    const at2 = (t: number) => codecOf([k1], NAME, t).open(v2);
    assert.equal(at2(T0 + 60 * MIN - 1).ok, true);
    expired(at2(T0 + 60 * MIN));
    const codec = createEncryptedCodec({ keys: [k1], cookieName: NAME });
    expired(codec.open(value), "default clock");
  });

  test("an authentic value that is not a valid payload is invalid-payload", () => {
    const codec = codecOf([k1]);
    assert.equal(codec.open(forge(k1.secret, "k1", JSON.stringify(payload()))).ok, true);
    for (const plaintext of [
      "not json",
      "\uFFFD",
      "null",
      "{}",
      JSON.stringify({ ...payload(), v: 2 }),
      JSON.stringify({ ...payload(), role: "admin" }),
      JSON.stringify({ ...payload(), sid: "short" }),
      '{"v":1,"__proto__":{"admin":true}}',
    ]) {
      assert.deepEqual(codec.open(forge(k1.secret, "k1", plaintext)), {
        ok: false,
        reason: "invalid-payload",
      });
    }
    // Invalid UTF-8 decodes to U+FFFD, and then fails as JSON.
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", aesKey(k1.secret), iv);
    cipher.setAAD(Buffer.from(`v1|${NAME}`));
    const ct = Buffer.concat([cipher.update(Buffer.from([0xff, 0xfe, 0x7b])), cipher.final()]);
    const bad = `v1.k1.${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString("base64url")}`;
    assert.deepEqual(codec.open(bad), { ok: false, reason: "invalid-payload" });
  });

  test("garbage is refused, never thrown", () => {
    const codec = codecOf([k1]);
    const value = codec.seal(payload());
    const body = value.slice(6);
    const garbage: unknown[] = [
      "",
      "v1",
      "v1.",
      "v1..",
      "v1...",
      "v1.k1",
      "v1.k1.",
      "v1.k1.A",
      "v1.k1.AAAA",
      `v1.k1.${"A".repeat(38)}`,
      `v1.k1.${"A".repeat(39)}`,
      `v1.k1.${body}.`,
      `v1.k1.${body}.${body}`,
      `v1.k1.k1.${body}`,
      `v2.k1.${body}`,
      `V1.k1.${body}`,
      `.v1.k1.${body}`,
      ` ${value}`,
      `"${value}"`,
      `v1.k1.${body.slice(0, 10)}+/${body.slice(12)}`,
      `v1.k1.${body.slice(0, 10)}==${body.slice(12)}`,
      `v1.k1.${"@".repeat(60)}`,
      `v1.k1.${"é".repeat(60)}`,
      `v1.\u{1F36A}.${body}`,
      "\0".repeat(100),
      "A".repeat(1024 * 1024),
      `v1.k1.${"A".repeat(1024 * 1024)}`,
      undefined,
      null,
      42,
      {},
      [],
      Symbol("x"),
    ];
    for (const g of garbage) {
      const label = (typeof g === "symbol" ? "symbol" : String(g)).slice(0, 40);
      let r: EncryptedOpenResult | undefined;
      assert.doesNotThrow(() => {
        r = codec.open(g as string);
      }, label);
      assert.equal(r?.ok, false, label);
    }
    assert.deepEqual(codec.open(`v1.k1.${"A".repeat(1024 * 1024)}`), {
      ok: false,
      reason: "malformed",
    });
    // An unknown kid is reported as such only for a well-formed body.
    assert.deepEqual(codec.open(`v1.zz.${body}`), { ok: false, reason: "unknown-key" });
  });

  test("weak or malformed keys and options are refused with typed errors", () => {
    const refuses = (options: unknown, code: string, message?: RegExp) =>
      assert.throws(
        () => createEncryptedCodec(options as Parameters<typeof createEncryptedCodec>[0]),
        (e: unknown) =>
          e instanceof TransportError &&
          e.code === code &&
          (message === undefined || message.test(e.message)),
      );
    const KEY = "ERR_TRANSPORT_KEY_INVALID";
    const OPT = "ERR_TRANSPORT_OPTIONS_INVALID";
    refuses({ keys: [], cookieName: NAME }, KEY);
    refuses({ keys: [{ id: "k1", secret: randomBytes(31) }], cookieName: NAME }, KEY, /31 bytes/);
    refuses({ keys: [{ id: "k1", secret: "short" }], cookieName: NAME }, KEY);
    refuses({ keys: [{ id: "a.b", secret: randomBytes(32) }], cookieName: NAME }, KEY);
    refuses({ keys: [k1, { ...k2, id: "k1" }], cookieName: NAME }, KEY, /twice/);
    refuses({ keys: [k1, { id: "old", secret: randomBytes(8) }], cookieName: NAME }, KEY);
    refuses({ keys: [k1] }, OPT, /cookieName/);
    refuses({ keys: [k1], cookieName: "" }, OPT);
    refuses({ keys: [k1], cookieName: "a;b" }, OPT);
    refuses({ keys: [k1], cookieName: "sessión" }, OPT);
    refuses({ keys: [k1], cookieName: NAME, now: "now" }, OPT);
    refuses(null, OPT);
  });

  test("seal refuses invalid payloads", () => {
    const codec = codecOf([k1]);
    for (const p of [
      { ...payload(), extra: true },
      payload({ data: { m: new Map() } }),
      payload({ absExp: -1 }),
      payload({ sid: "" }),
    ]) {
      assert.throws(
        () => codec.seal(p as SessionPayload),
        (e: unknown) => e instanceof TransportError && e.code === "ERR_TRANSPORT_PAYLOAD_INVALID",
      );
    }
  });

  test("a cookie over 4096 bytes is refused at seal time, with the size and the fix", () => {
    const codec = codecOf([k1]);
    const p = (n: number) => payload({ data: { blob: "x".repeat(n) } });
    let caught: unknown;
    try {
      codec.seal(p(3500));
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof TransportError);
    assert.equal(caught.code, "ERR_TRANSPORT_TOO_LARGE");
    assert.match(caught.message, /"__Host-session" would be \d+ bytes/);
    assert.match(caught.message, /4096/);
    assert.match(caught.message, /keep less in the session data/i);
    assert.match(caught.message, /server sessions/);
    // The size in the message is the size the cookie would have had.
    const size = Number(/would be (\d+) bytes/.exec(caught.message)?.[1]);
    const json = JSON.stringify(p(3500));
    const expected =
      NAME.length + 1 + "v1.k1.".length + Math.ceil(((12 + Buffer.byteLength(json) + 16) * 4) / 3);
    assert.equal(size, expected);

    // The largest payload that fits is accepted and really fits; one more byte is refused.
    const fits = (n: number): boolean => {
      try {
        codec.seal(p(n));
        return true;
      } catch (e) {
        assert.ok(e instanceof TransportError && e.code === "ERR_TRANSPORT_TOO_LARGE");
        return false;
      }
    };
    let lo = 0;
    let hi = 4096;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    const cookie = `${NAME}=${codec.seal(p(lo))}`;
    assert.ok(cookie.length <= 4096 && cookie.length > 4096 - 4, String(cookie.length));
    assert.equal(fits(lo + 1), false);
    // Multi-byte characters count as their UTF-8 bytes.
    assert.equal(fits(lo), true);
    assert.throws(() => codec.seal(payload({ data: { blob: "é".repeat(lo) } })), TransportError);
    // A longer cookie name leaves less room.
    const longName = codecOf([k1], `x${"y".repeat(200)}`);
    assert.throws(() => longName.seal(p(lo)), TransportError);
  });
});
