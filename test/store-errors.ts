// A predicate for assert.throws / assert.rejects shared by the SQL stores' tests.
import assert from "node:assert/strict";
import { StoreError } from "../src/stores/types.js";

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
  await assert.rejects(sweep(null), optionsInvalid(/sweep options/));
  assert.equal(await sweep({ maxBatches: Number.POSITIVE_INFINITY }), 0);
}
