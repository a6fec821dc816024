// Checks shared by the SQL stores' tests.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { shardFor } from "../src/session/tokens.js";
import { type SessionRecord, type SessionStore, StoreError } from "../src/stores/types.js";

/** A StoreError ERR_STORE_OPTIONS_INVALID whose message matches every pattern. */
export function optionsInvalid(...patterns: RegExp[]): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.code, "ERR_STORE_OPTIONS_INVALID");
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** Every bad sweep option of a SQL store is refused, naming the option; Infinity batches is fine. */
export async function assertSweepOptionsChecked(
  sweep: (options: unknown) => Promise<number>,
): Promise<void> {
  for (const batchSize of [0, -1, 1.5, Number.NaN, "10"]) {
    await assert.rejects(sweep({ batchSize }), optionsInvalid(/batchSize/), String(batchSize));
  }
  for (const maxBatches of [0, -1, 2.5, Number.NaN]) {
    await assert.rejects(sweep({ maxBatches }), optionsInvalid(/maxBatches/), String(maxBatches));
  }
  // A string from the environment is named as one, not shown as the number it looks like.
  await assert.rejects(sweep({ batchSize: "10" }), optionsInvalid(/not "10"/));
  await assert.rejects(sweep(null), optionsInvalid(/sweep options/));
  assert.equal(await sweep({ maxBatches: Number.POSITIVE_INFINITY }), 0);
}

/**
 * A row of a user's that the store cannot read (`corrupt(key)` spoils it) is left out of the
 * user's listing, the cap of a sign-in and deleteByUser, which go on with the others; its own
 * key still reports it.
 */
export async function assertUnreadableRowPassedOver(
  store: SessionStore,
  corrupt: (key: string) => Promise<void>,
): Promise<void> {
  const userId = `u-${randomBytes(6).toString("hex")}`;
  const key = (): string => `${shardFor(userId)}.${randomBytes(32).toString("base64url")}`;
  const t = Date.now();
  const record = (i: number): SessionRecord => ({
    id: randomBytes(8).toString("hex"),
    userId,
    data: {},
    createdAt: t + i,
    lastSeenAt: t,
    idleExpiresAt: t + 60_000,
    absoluteExpiresAt: t + 600_000,
    elevatedAt: null,
    userAgent: null,
  });
  const [bad, good, next] = [key(), key(), key()];
  await store.create(bad, record(0));
  await store.create(good, record(1));
  await corrupt(bad);
  await assert.rejects(store.get(bad), (e: unknown) => isCorrupt(e));
  assert.deepEqual(
    (await store.listByUser(userId)).map((s) => s.key),
    [good],
  );
  const nextRecord = record(2);
  const capped = await store.create(next, nextRecord, { maxPerUser: 2 });
  assert.ok(!capped.some((r) => r.id === nextRecord.id));
  const left = await store.listByUser(userId);
  assert.ok(left.some((s) => s.key === next) && left.length <= 2, JSON.stringify(left));
  const removed = await store.deleteByUser(userId);
  assert.ok(removed.some((r) => r.id === nextRecord.id));
  assert.deepEqual(await store.listByUser(userId), []);
}

function isCorrupt(e: unknown): boolean {
  return e instanceof StoreError && e.code === "ERR_STORE_CORRUPT";
}
