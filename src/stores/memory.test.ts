import assert from "node:assert/strict";
import { test } from "node:test";
import { createSessions, type SessionRequest } from "../session/create-sessions.js";
import { testSessionStore } from "./conformance.js";
import { memoryStore } from "./memory.js";
import { type SessionRecord, StoreError } from "./types.js";

testSessionStore("memory", async () => {
  const store = memoryStore();
  return { store, cleanup: async () => store.close?.() };
});

test("memory store: a size bound, with a clear error", async () => {
  const store = memoryStore({ maxSessions: 2 });
  const r = (id: string) => ({
    id,
    userId: null,
    data: {},
    createdAt: 0,
    lastSeenAt: 0,
    idleExpiresAt: Date.now() + 60_000,
    absoluteExpiresAt: Date.now() + 60_000,
    elevatedAt: null,
    userAgent: null,
  });
  await store.create("a.1", r("1"));
  await store.create("a.2", r("2"));
  await assert.rejects(
    store.create("a.3", r("3")),
    (e: unknown) =>
      e instanceof StoreError && e.code === "ERR_STORE_FULL" && /maxSessions/.test(e.message),
  );
  await store.delete("a.1");
  await store.create("a.3", r("3"));
  await store.close?.();
});

test("memory store: expired sessions make room before the bound is enforced", async () => {
  let t = 1_000;
  const store = memoryStore({ maxSessions: 1, now: () => t });
  const r = {
    id: "x",
    userId: null,
    data: {},
    createdAt: t,
    lastSeenAt: t,
    idleExpiresAt: t + 10,
    absoluteExpiresAt: t + 10,
    elevatedAt: null,
    userAgent: null,
  };
  await store.create("a.1", r);
  t += 11;
  await store.create("a.2", { ...r, idleExpiresAt: t + 10, absoluteExpiresAt: t + 10 });
  assert.notEqual(await store.get("a.2"), null);
  await store.close?.();
});

test("memory store: a full store sweeps at most once a second, however many creates it refuses", async () => {
  let t = 1_000;
  const store = memoryStore({ maxSessions: 2, now: () => t });
  const r = (id: string, expiresAt: number): SessionRecord => ({
    id,
    userId: null,
    data: {},
    createdAt: t,
    lastSeenAt: t,
    idleExpiresAt: expiresAt,
    absoluteExpiresAt: expiresAt,
    elevatedAt: null,
    userAgent: null,
  });
  const full = (e: unknown): boolean => e instanceof StoreError && e.code === "ERR_STORE_FULL";
  await store.create("a.1", r("1", t + 50));
  await store.create("a.2", r("2", t + 60_000));
  await assert.rejects(store.create("a.3", r("3", t + 60_000)), full); // swept: nothing expired
  t += 100; // a.1 has expired, but the last sweep was 100 ms ago
  await assert.rejects(store.create("a.3", r("3", t + 60_000)), full);
  t += 900;
  await store.create("a.3", r("3", t + 60_000)); // a second on: swept, room for one
  assert.notEqual(await store.get("a.3"), null);
  await store.close?.();
});

test("memory store: bad options are refused with ERR_STORE_OPTIONS_INVALID, naming them", () => {
  const invalid = (name: RegExp) => (e: unknown) =>
    e instanceof StoreError && e.code === "ERR_STORE_OPTIONS_INVALID" && name.test(e.message);
  for (const maxSessions of [0, -1, 1.5, Number.NaN, "10"]) {
    assert.throws(
      () => memoryStore({ maxSessions: maxSessions as number }),
      invalid(/maxSessions/),
    );
  }
  for (const sweepIntervalMs of [0, -5, Number.NaN, 2 ** 31, "1000"]) {
    assert.throws(
      () => memoryStore({ sweepIntervalMs: sweepIntervalMs as number }),
      invalid(/sweepIntervalMs/),
    );
  }
});

test("memory store: at the bound a sign-in ends the oldest anonymous session; anonymous creates are refused", async () => {
  const store = memoryStore({ maxSessions: 3 });
  const r = (id: string, userId: string | null): SessionRecord => ({
    id,
    userId,
    data: {},
    createdAt: Date.now(),
    lastSeenAt: Date.now(),
    idleExpiresAt: Date.now() + 60_000,
    absoluteExpiresAt: Date.now() + 60_000,
    elevatedAt: null,
    userAgent: null,
  });
  const full = (e: unknown): boolean => e instanceof StoreError && e.code === "ERR_STORE_FULL";
  for (const n of [1, 2, 3]) await store.create(`an.${n}`, r(`a${n}`, null));
  // A flood of anonymous sessions is refused at the bound...
  await assert.rejects(store.create("an.4", r("a4", null)), full);
  // ...and cannot lock users out: the oldest anonymous session makes room.
  await store.create("us.1", r("u1", "alice"));
  assert.equal(await store.get("an.1"), null);
  assert.notEqual(await store.get("an.2"), null);
  await store.create("us.2", r("u2", "bob"));
  await store.create("us.3", r("u3", "carol"));
  // Full of signed-in sessions: refused, nothing signed in is dropped.
  await assert.rejects(store.create("us.4", r("u4", "dave")), full);
  for (const key of ["us.1", "us.2", "us.3"]) assert.notEqual(await store.get(key), null, key);
  await store.close?.();
});

test("memory store: at the bound, a sign-in from the oldest anonymous session keeps its cart", async () => {
  const store = memoryStore({ maxSessions: 3 });
  const sessions = createSessions({ store });
  const request = (cookie?: string): SessionRequest => ({
    header: (name) => (name === "cookie" ? cookie : undefined),
    encrypted: true,
  });
  const cookieOf = (h: { setCookie: readonly string[] }): string =>
    h.setCookie[0]?.split(";")[0] ?? "";
  const anonymous = async (item: string): Promise<string> => {
    const s = await sessions.load(request());
    s.set("cart", [item]);
    return cookieOf(await s.commit());
  };
  const mine = await anonymous("tea");
  const others = [await anonymous("flood-1"), await anonymous("flood-2")]; // full now
  const s = await sessions.load(request(mine));
  await s.signIn("ivy");
  const next = await sessions.load(request(cookieOf(await s.commit())));
  assert.equal(next.userId, "ivy");
  assert.deepEqual(next.get("cart"), ["tea"]);
  // The session it replaced made the room: no other anonymous session was ended.
  for (const cookie of others) assert.equal((await sessions.load(request(cookie))).active, true);
  await store.close?.();
});
