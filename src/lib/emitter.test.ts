import assert from "node:assert/strict";
import { test } from "node:test";
import { Emitter } from "./emitter.js";

type Ev = { type: "a"; n: number } | { type: "b" };

test("every listener of the type and of * runs, in the order added; off stops one", () => {
  const e = new Emitter<Ev>();
  const seen: string[] = [];
  e.on("a", (ev) => seen.push(`a${ev.n}`));
  const off = e.on("*", (ev) => seen.push(`*${ev.type}`));
  e.emit({ type: "a", n: 1 });
  e.emit({ type: "b" });
  off();
  e.emit({ type: "a", n: 2 });
  assert.deepEqual(seen, ["a1", "*a", "*b", "a2"]);
});

test("a listener that throws or rejects reaches onListenerError, and the others still run", async () => {
  const errors: unknown[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on("unhandledRejection", onUnhandled);
  try {
    const e = new Emitter<Ev>((error) => errors.push(error));
    let after = 0;
    e.on("a", () => {
      throw new Error("sync");
    });
    e.on("a", async () => {
      throw new Error("async");
    });
    e.on("a", () => {
      after++;
    });
    e.emit({ type: "a", n: 1 });
    assert.equal(after, 1);
    // The rejection is handled on a later turn; give unhandledRejection its chance to fire.
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      errors.map((x) => (x as Error).message),
      ["sync", "async"],
    );
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
