import assert from "node:assert/strict";
import { test } from "node:test";
import { createExchangeCodes } from "./exchange-codes.js";

const grant = { userId: "alice", wwwSessionId: "s1" };

test("exchange codes: 256 bits, work once", () => {
  const codes = createExchangeCodes();
  const code = codes.issue(grant);
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(codes.redeem(code), grant);
  assert.equal(codes.redeem(code), undefined);
});

test("exchange codes: expire after the ttl; junk is refused", () => {
  let now = 0;
  const codes = createExchangeCodes({ ttlMs: 60_000, now: () => now });
  const code = codes.issue(grant);
  now = 60_000;
  assert.equal(codes.redeem(code), undefined);
  for (const junk of [undefined, 42, "", "x".repeat(43), { code }])
    assert.equal(codes.redeem(junk), undefined);
});

test("exchange codes: bounded; past the bound the oldest is dropped", () => {
  const codes = createExchangeCodes({ maxPending: 2 });
  const first = codes.issue(grant);
  const second = codes.issue(grant);
  const third = codes.issue(grant);
  assert.equal(codes.redeem(first), undefined);
  assert.deepEqual(codes.redeem(second), grant);
  assert.deepEqual(codes.redeem(third), grant);
});
