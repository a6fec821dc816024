import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { newSessionId, type SessionPayload, validatePayload } from "./payload.js";

const T0 = Date.UTC(2025, 5, 1);

function payload(): Record<string, unknown> {
  return {
    v: 1,
    sid: newSessionId(),
    sub: "user-42",
    data: { cart: [{ sku: "A1", qty: 2 }], theme: "dark", flags: null, n: 1.5, ok: true },
    iat: T0,
    idleExp: T0 + 1_800_000,
    absExp: T0 + 28_800_000,
    elv: null,
  };
}

function rejects(x: unknown, problem?: RegExp): void {
  let r: ReturnType<typeof validatePayload> | undefined;
  assert.doesNotThrow(() => {
    r = validatePayload(x);
  });
  assert.equal(r?.ok, false, r?.ok === true ? "accepted" : undefined);
  if (problem !== undefined && r !== undefined && !r.ok) assert.match(r.problem, problem);
}

describe("session payload", () => {
  test("a valid payload passes, and is returned as is", () => {
    const p = payload();
    assert.deepEqual(validatePayload(p), { ok: true, payload: p as unknown as SessionPayload });
    for (const over of [
      { sub: null },
      { elv: T0 },
      { data: {} },
      { data: Object.create(null) },
      { idleExp: T0, absExp: T0 },
      // Absolute expiry before the idle one: both are checked when opening.
      { idleExp: T0 + 10, absExp: T0 + 5 },
      { sid: "A".repeat(64) },
    ]) {
      assert.equal(validatePayload({ ...payload(), ...over }).ok, true, JSON.stringify(over));
    }
  });

  test("session ids are 128 random bits, base64url", () => {
    const ids = new Set(Array.from({ length: 1000 }, newSessionId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  });

  test("anything but an object of exactly these fields is rejected", () => {
    for (const x of [undefined, null, 0, "", "{}", [], true, new Date(), new Map(), () => {}]) {
      rejects(x, /plain object/);
    }
    rejects({ ...payload(), role: "admin" }, /unknown field "role"/);
    for (const key of ["v", "sid", "sub", "data", "iat", "idleExp", "absExp", "elv"]) {
      const p = payload();
      delete p[key];
      rejects(p, new RegExp(`missing field "${key}"`));
    }
    class Payload {}
    rejects(Object.assign(new Payload(), payload()), /plain object/);
  });

  test("each field is checked for its type and range", () => {
    const cases: [string, unknown, RegExp][] = [
      ["v", 2, /^v is 2/],
      ["v", "1", /^v is "1"/],
      ["v", undefined, /^v is undefined/],
      ["v", 1n, /^v is 1,/],
      ["sid", "short", /sid/],
      ["sid", "A".repeat(65), /sid/],
      ["sid", "with space and more characters", /sid/],
      ["sid", 1234567890123456, /sid/],
      ["sub", "", /sub/],
      ["sub", 42, /sub/],
      ["sub", undefined, /sub/],
      ["data", null, /data/],
      ["data", [], /data/],
      ["data", "x", /data/],
      ["iat", -1, /iat/],
      ["iat", 1.5, /iat/],
      ["iat", "2025", /iat/],
      ["iat", Number.NaN, /iat/],
      ["idleExp", Number.POSITIVE_INFINITY, /idleExp/],
      ["absExp", 2 ** 53, /absExp/],
      ["absExp", null, /absExp/],
      ["elv", undefined, /elv/],
      ["elv", -5, /elv/],
      ["elv", "yes", /elv/],
      ["iat", T0 + 1_800_001, /never have been valid/],
    ];
    for (const [key, value, problem] of cases) rejects({ ...payload(), [key]: value }, problem);
  });

  test("data holds JSON values only, so that it survives sealing unchanged", () => {
    const cases: [unknown, RegExp][] = [
      [new Date(T0), /data\.x is a Date/],
      [new Map(), /data\.x is a Map/],
      [new Uint8Array(2), /Uint8Array/],
      [undefined, /undefined/],
      [() => 1, /function/],
      [Symbol("s"), /symbol/],
      [1n, /bigint/],
      [Number.NaN, /NaN/],
      [-Infinity, /-Infinity/],
      [[1, undefined], /data\.x\[1\] is undefined/],
      // biome-ignore lint/suspicious/noSparseArray: a sparse array is the case tested.
      [[1, , 3], /hole/],
      [{ deep: { deeper: new Set() } }, /data\.x\.deep\.deeper is a Set/],
    ];
    for (const [value, problem] of cases) rejects({ ...payload(), data: { x: value } }, problem);
    rejects({ ...payload(), data: JSON.parse('{"__proto__": {"admin": true}}') }, /__proto__/);
    rejects({ ...payload(), data: { a: JSON.parse('{"__proto__": 1}') } }, /__proto__/);
  });

  test("deep or cyclic data is rejected without exhausting the stack", () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    rejects({ ...payload(), data: { deep } }, /deeper than 32/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    rejects({ ...payload(), data: cyclic }, /deeper than 32/);
    // 31 levels under data are fine.
    let ok: unknown = 0;
    for (let i = 0; i < 30; i++) ok = [ok];
    assert.equal(validatePayload({ ...payload(), data: { ok } }).ok, true);
  });

  test("hostile objects are rejected, never thrown", () => {
    const throwing = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("boom");
        },
      },
    );
    rejects(throwing);
    const getter = payload();
    Object.defineProperty(getter, "sub", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    rejects(getter, /threw/);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    rejects(revoked.proxy);
  });
});
