import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { TransportError } from "./errors.js";
import { newSessionId, type SessionPayload } from "./payload.js";
import { createSignedCodec, type SignedOpenFailure } from "./signed-cookie.js";
import type { OpenResult } from "./types.js";

/** An expired result: authentic, so it carries the payload that expired. */
function expired(r: OpenResult, message?: string): void {
  assert.equal(r.ok, false, message);
  assert.equal(r.ok === false && r.reason, "expired", message);
  assert.equal(r.ok === false && typeof r.payload?.sid, "string", message);
}

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const MIN = 60_000;
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
const AUTHENTICITY: readonly SignedOpenFailure[] = ["malformed", "unknown-key", "bad-signature"];

/** The signature of `signed` under `secret`, as the format specifies it. */
const hmac = (secret: Uint8Array, signed: string): string =>
  createHmac("sha256", secret).update(signed).digest("base64url");

function refusedForAuthenticity(r: ReturnType<ReturnType<typeof createSignedCodec>["open"]>) {
  assert.equal(r.ok, false);
  if (!r.ok) assert.ok(AUTHENTICITY.includes(r.reason), `reason ${r.reason}`);
}

describe("signed cookie codec", () => {
  test("round trip: open gives back the payload sealed, and the key that verified", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const p = payload();
    const r = codec.open(codec.seal(p));
    assert.deepEqual(r, { ok: true, payload: p, kid: "k1" });
    assert.equal(codec.keyId, "k1");
  });

  test("round trip of anonymous, unelevated and empty-data payloads", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    for (const p of [payload({ sub: null }), payload({ elv: null }), payload({ data: {} })]) {
      assert.deepEqual(codec.open(codec.seal(p)), { ok: true, payload: p, kid: "k1" });
    }
  });

  test("round trip of any JSON data (property)", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const dataArb = fc.dictionary(
      fc.string().filter((k) => k !== "__proto__"),
      fc.jsonValue({ maxDepth: 4 }),
      { maxKeys: 8 },
    );
    fc.assert(
      fc.property(dataArb, (data) => {
        const p = payload({ data });
        let value: string;
        try {
          value = codec.seal(p);
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
        // JSON keeps -0 as 0: compare with what JSON makes of the data.
        assert.deepEqual(r.payload.data, JSON.parse(JSON.stringify(data)));
      }),
      { numRuns: 300 },
    );
  });

  test("the value has the documented format and MAC", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const p = payload();
    const value = codec.seal(p);
    const m = /^v1\.k1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(value);
    assert.ok(m, value);
    const [, body = "", mac = ""] = m;
    assert.deepEqual(JSON.parse(Buffer.from(body, "base64url").toString("utf8")), p);
    assert.equal(mac, hmac(k1.secret, `v1.k1.${body}`));
    // Fields are written in one fixed order, whatever the order of the object sealed.
    const shuffled: SessionPayload = {
      elv: p.elv,
      absExp: p.absExp,
      idleExp: p.idleExp,
      iat: p.iat,
      data: p.data,
      sub: p.sub,
      sid: p.sid,
      v: p.v,
    };
    assert.equal(codec.seal(shuffled), value);
  });

  test("every single-bit change of every character is refused, as not authentic", () => {
    const codec = createSignedCodec({ keys: [k1, k2], now: clockAt(T0) });
    const value = codec.seal(payload());
    let tried = 0;
    for (let i = 0; i < value.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const c = String.fromCharCode(value.charCodeAt(i) ^ (1 << bit));
        const tampered = value.slice(0, i) + c + value.slice(i + 1);
        refusedForAuthenticity(codec.open(tampered));
        tried++;
      }
    }
    assert.equal(tried, value.length * 8);
  });

  test("a character outside ASCII is refused, even where its low byte is the original", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const value = codec.seal(payload());
    for (let i = 0; i < value.length; i++) {
      for (const high of [0x100, 0xd800 - value.charCodeAt(i), 0xff00]) {
        const c = String.fromCharCode(value.charCodeAt(i) + high);
        refusedForAuthenticity(codec.open(value.slice(0, i) + c + value.slice(i + 1)));
      }
    }
  });

  test("every truncation is refused, and so is anything appended", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const value = codec.seal(payload());
    for (let n = 0; n < value.length; n++) {
      refusedForAuthenticity(codec.open(value.slice(0, n)));
      refusedForAuthenticity(codec.open(value.slice(value.length - n)));
    }
    for (const tail of ["A", "=", "==", ".", " ", "\0", `.${"A".repeat(43)}`]) {
      refusedForAuthenticity(codec.open(value + tail));
    }
  });

  test("payloads and MACs do not move between keys or codecs", () => {
    const a = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const b = createSignedCodec({ keys: [k2], now: clockAt(T0) });
    const both = createSignedCodec({ keys: [k1, k2], now: clockAt(T0) });
    const sameIdOtherSecret = createSignedCodec({
      keys: [{ id: "k1", secret: randomBytes(32) }],
      now: clockAt(T0),
    });
    const va = a.seal(payload({ sub: "alice" }));
    const vb = b.seal(payload({ sub: "bob" }));
    const [, , bodyA = "", macA = ""] = va.split(".");
    const [, , bodyB = "", macB = ""] = vb.split(".");

    assert.deepEqual(b.open(va), { ok: false, reason: "unknown-key" });
    assert.deepEqual(sameIdOtherSecret.open(va), { ok: false, reason: "bad-signature" });
    // The kid relabelled: k2 is in the ring, but did not sign this.
    assert.deepEqual(both.open(`v1.k2.${bodyA}.${macA}`), { ok: false, reason: "bad-signature" });
    // One value's payload with the other's MAC, both ways.
    assert.deepEqual(both.open(`v1.k1.${bodyB}.${macA}`), { ok: false, reason: "bad-signature" });
    assert.deepEqual(both.open(`v1.k2.${bodyA}.${macB}`), { ok: false, reason: "bad-signature" });
    // Two values of one key: payloads swapped.
    const va2 = a.seal(payload({ sub: "mallory" }));
    const [, , bodyA2 = ""] = va2.split(".");
    assert.deepEqual(a.open(`v1.k1.${bodyA2}.${macA}`), { ok: false, reason: "bad-signature" });
    // Sanity: each value opens where it should.
    assert.equal(both.open(va).ok && both.open(vb).ok, true);
  });

  test("key rotation: the newest key signs, old keys verify until removed", () => {
    const before = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const during = createSignedCodec({ keys: [k2, k1], now: clockAt(T0) });
    const after = createSignedCodec({ keys: [k2], now: clockAt(T0) });
    const old = before.seal(payload());
    const r = during.open(old);
    assert.equal(r.ok && r.kid, "k1");
    assert.equal(during.keyId, "k2");
    const fresh = during.seal(payload());
    assert.match(fresh, /^v1\.k2\./);
    assert.equal(after.open(fresh).ok, true);
    assert.deepEqual(after.open(old), { ok: false, reason: "unknown-key" });
    assert.deepEqual(before.open(fresh), { ok: false, reason: "unknown-key" });
    // A kid that no ring ever had.
    const [, , body = "", mac = ""] = old.split(".");
    assert.deepEqual(during.open(`v1.k9.${body}.${mac}`), { ok: false, reason: "unknown-key" });
  });

  test("expiry: idle and absolute, each from its first instant", () => {
    const p = payload({ idleExp: T0 + 30 * MIN, absExp: T0 + 60 * MIN });
    const value = createSignedCodec({ keys: [k1] }).seal(p);
    const at = (t: number) => createSignedCodec({ keys: [k1], now: clockAt(t) }).open(value);
    assert.equal(at(T0).ok, true);
    assert.equal(at(T0 + 30 * MIN - 1).ok, true);
    expired(at(T0 + 30 * MIN));
    expired(at(T0 + 45 * MIN));

    // Absolute expiry before the idle one (an idle expiry extended near the end).
    const q = payload({ idleExp: T0 + 90 * MIN, absExp: T0 + 60 * MIN });
    const v2 = createSignedCodec({ keys: [k1] }).seal(q);
    const at2 = (t: number) => createSignedCodec({ keys: [k1], now: clockAt(t) }).open(v2);
    assert.equal(at2(T0 + 60 * MIN - 1).ok, true);
    expired(at2(T0 + 60 * MIN));
    // A clock that returns nonsense fails closed.
    const broken = createSignedCodec({ keys: [k1], now: () => Number.NaN });
    expired(broken.open(value));
  });

  test("the default clock is Date.now", () => {
    const codec = createSignedCodec({ keys: [k1] });
    const t = Date.now();
    assert.equal(
      codec.open(codec.seal(payload({ iat: t, idleExp: t + MIN, absExp: t + 2 * MIN }))).ok,
      true,
    );
    expired(codec.open(codec.seal(payload())));
  });

  test("an authentic value that is not a valid payload is invalid-payload", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const forge = (json: string): string => {
      const signed = `v1.k1.${Buffer.from(json).toString("base64url")}`;
      return `${signed}.${hmac(k1.secret, signed)}`;
    };
    const valid = JSON.stringify(payload());
    assert.equal(codec.open(forge(valid)).ok, true);
    for (const json of [
      "not json",
      "",
      "null",
      "[]",
      JSON.stringify({ ...payload(), v: 2 }),
      JSON.stringify({ ...payload(), admin: true }),
      JSON.stringify({ ...payload(), data: [] }),
      JSON.stringify({ ...payload(), iat: "now" }),
      '{"v":1,"__proto__":{"admin":true}}',
      "[".repeat(3000),
    ]) {
      if (json === "") continue; // an empty payload part is malformed, below
      assert.deepEqual(codec.open(forge(json)), { ok: false, reason: "invalid-payload" }, json);
    }
    assert.deepEqual(codec.open(`v1.k1..${hmac(k1.secret, "v1.k1.")}`), {
      ok: false,
      reason: "malformed",
    });
  });

  test("garbage is refused, never thrown", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const value = codec.seal(payload());
    const [, , body = "", mac = ""] = value.split(".");
    const garbage: unknown[] = [
      "",
      "v1",
      "v1.",
      "v1..",
      "v1...",
      "v1....",
      "....",
      "v1.k1",
      "v1.k1.",
      `v1.k1.${body}`,
      `v1.k1.${body}.`,
      `v1.k1.${body}.${mac}.`,
      `v1.k1.${body}.${mac}.${mac}`,
      `v1.k1.${body}.x.${mac}`,
      `v1.k1.k1.${body}.${mac}`,
      `v2.k1.${body}.${mac}`,
      `V1.k1.${body}.${mac}`,
      `v0.k1.${body}.${mac}`,
      `.v1.k1.${body}.${mac}`,
      ` ${value}`,
      `"${value}"`,
      `v1.k1.${body}=.${mac}`,
      `v1.k1.${body}.${mac.slice(0, -1)}=`,
      `v1.k1.${"@".repeat(40)}.${"#".repeat(43)}`,
      `v1.k1.${body}.${"é".repeat(43)}`,
      `v1.k1.${body}.${"\u0141".repeat(43)}`,
      `v1.\u{1F36A}.${body}.${mac}`,
      "v1.k1.%%%.%%%",
      "\0".repeat(100),
      "A".repeat(1024 * 1024),
      `v1.k1.${"A".repeat(1024 * 1024)}.${mac}`,
      undefined,
      null,
      42,
      {},
      [],
      Symbol("x"),
    ];
    for (const g of garbage) {
      let r: ReturnType<typeof codec.open> | undefined;
      assert.doesNotThrow(
        () => {
          r = codec.open(g as string);
        },
        String(typeof g === "symbol" ? "symbol" : g).slice(0, 40),
      );
      assert.equal(r?.ok, false, String(typeof g === "symbol" ? "symbol" : g).slice(0, 40));
    }
    assert.deepEqual(codec.open("A".repeat(1024 * 1024)), { ok: false, reason: "malformed" });
  });

  test("weak or malformed keys and options are refused with typed errors", () => {
    const refuses = (options: unknown, code: string, message?: RegExp) =>
      assert.throws(
        () => createSignedCodec(options as Parameters<typeof createSignedCodec>[0]),
        (e: unknown) =>
          e instanceof TransportError &&
          e.code === code &&
          (message === undefined || message.test(e.message)),
      );
    const KEY = "ERR_TRANSPORT_KEY_INVALID";
    refuses({ keys: [] }, KEY, /randomBytes\(32\)/);
    refuses({}, KEY);
    refuses({ keys: "secret" }, KEY);
    refuses({ keys: [null] }, KEY);
    refuses({ keys: [{ id: "k1", secret: randomBytes(31) }] }, KEY, /31 bytes/);
    refuses({ keys: [{ id: "k1", secret: "x".repeat(31) }] }, KEY, /31 bytes/);
    refuses({ keys: [{ id: "k1", secret: "" }] }, KEY);
    // Placeholders of the right length: too few distinct bytes, or one block repeated.
    refuses({ keys: [{ id: "k1", secret: "x".repeat(32) }] }, KEY, /not a random secret/);
    refuses({ keys: [{ id: "k1", secret: "changeme".repeat(4) }] }, KEY, /not a random secret/);
    refuses({ keys: [{ id: "k1", secret: "0123456789abcdef".repeat(2) }] }, KEY, /"k1"/);
    refuses({ keys: [{ id: "k1", secret: Buffer.alloc(64) }] }, KEY, /randomBytes\(32\)/);
    refuses({ keys: [{ id: "k1" }] }, KEY, /no secret/);
    refuses({ keys: [{ id: "k1", secret: 12345 }] }, KEY);
    refuses({ keys: [{ id: "k.1", secret: randomBytes(32) }] }, KEY, /k\.1/);
    refuses({ keys: [{ id: "", secret: randomBytes(32) }] }, KEY);
    refuses({ keys: [{ id: "x".repeat(17), secret: randomBytes(32) }] }, KEY);
    refuses({ keys: [{ secret: randomBytes(32) }] }, KEY);
    refuses({ keys: [k1, { ...k2, id: "k1" }] }, KEY, /twice/);
    // A weak key anywhere in the ring, not only the first.
    refuses({ keys: [k1, { id: "old", secret: randomBytes(16) }] }, KEY, /"old"/);
    refuses(undefined, "ERR_TRANSPORT_OPTIONS_INVALID");
    refuses({ keys: [k1], now: 5 }, "ERR_TRANSPORT_OPTIONS_INVALID");
    refuses({ keys: [k1], cookieName: "a b" }, "ERR_TRANSPORT_OPTIONS_INVALID");
    refuses({ keys: [k1], cookieName: "" }, "ERR_TRANSPORT_OPTIONS_INVALID");
    // 32 bytes, as a string, is enough; the secret is copied, so later changes do not leak in.
    const secret = randomBytes(32);
    const codec = createSignedCodec({ keys: [{ id: "s", secret }], now: clockAt(T0) });
    const value = codec.seal(payload());
    secret.fill(0);
    assert.equal(codec.open(value).ok, true);
    assert.equal(
      createSignedCodec({ keys: [{ id: "s", secret: "pL7q-Zr2vW9xK4mT8bN1cY6hJ3sD5fG0" }] }).keyId,
      "s",
    );
  });

  test("seal refuses what open would refuse: invalid payloads", () => {
    const codec = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    const bad: unknown[] = [
      { ...payload(), extra: 1 },
      { ...payload(), v: 2 },
      payload({ data: { when: new Date(T0) } }),
      payload({ data: { n: Number.NaN } }),
      payload({ data: { u: undefined } }),
      payload({ data: { big: 1n } }),
      payload({ iat: T0 + 1, idleExp: T0 }),
      null,
    ];
    for (const p of bad) {
      assert.throws(
        () => codec.seal(p as SessionPayload),
        (e: unknown) => e instanceof TransportError && e.code === "ERR_TRANSPORT_PAYLOAD_INVALID",
      );
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(
      () => codec.seal(payload({ data: cyclic })),
      (e: unknown) => e instanceof TransportError && /deeper than 32/.test(e.message),
    );
  });

  test("a payload too large for one cookie is refused at seal time, with the size and the fix", () => {
    const cookieName = "__Host-session";
    const codec = createSignedCodec({ keys: [k1], cookieName, now: clockAt(T0) });
    const p = (n: number) => payload({ data: { blob: "x".repeat(n) } });
    assert.throws(
      () => codec.seal(p(4000)),
      (e: unknown) =>
        e instanceof TransportError &&
        e.code === "ERR_TRANSPORT_TOO_LARGE" &&
        /__Host-session/.test(e.message) &&
        /would be \d{4} bytes/.test(e.message) &&
        /server sessions/.test(e.message),
    );
    // The largest payload that fits is accepted, and really fits; one more byte is refused.
    const fits = (n: number): boolean => {
      try {
        codec.seal(p(n));
        return true;
      } catch (e) {
        assert.ok(e instanceof TransportError && e.code === "ERR_TRANSPORT_TOO_LARGE");
        return false;
      }
    };
    // Binary search for the largest n that fits: fits(lo) and not fits(hi).
    let lo = 0;
    let hi = 4096;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    const n = lo;
    const cookie = `${cookieName}=${codec.seal(p(n))}`;
    assert.ok(cookie.length <= 4096 && cookie.length > 4096 - 4, String(cookie.length));
    assert.throws(() => codec.seal(p(n + 1)), TransportError);
    // Without a cookie name, room is left for a one-character name.
    const nameless = createSignedCodec({ keys: [k1], now: clockAt(T0) });
    assert.ok(nameless.seal(p(n)).length <= 4094);
  });
});
