import assert from "node:assert/strict";
import { test } from "node:test";
import { createThrottle } from "./throttle.js";

test("throttle: refuses after maxFailures within the window, for that key only, until it passes", () => {
  let now = 1_000_000;
  const t = createThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 3; i++) {
    assert.equal(t.retryAfter("a"), 0);
    t.fail("a");
  }
  assert.equal(t.retryAfter("a"), 60);
  assert.equal(t.retryAfter("b"), 0);
  now += 59_001;
  assert.equal(t.retryAfter("a"), 1);
  now += 1_000;
  assert.equal(t.retryAfter("a"), 0, "the window has passed");
});

test("throttle: a success forgets the failures; the table is bounded", () => {
  const t = createThrottle({ maxFailures: 2, maxEntries: 2 });
  t.fail("a");
  t.succeed("a");
  t.fail("a");
  assert.equal(t.retryAfter("a"), 0);
  t.fail("b");
  t.fail("b");
  t.fail("c");
  t.fail("d");
  assert.equal(t.retryAfter("b"), 0, "the oldest entry made room");
});
