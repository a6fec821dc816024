import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionjarError } from "../errors.js";
import { TransportError } from "./errors.js";

test("TransportError is a SessionjarError with a stable code", () => {
  const e = new TransportError("ERR_TRANSPORT_TOO_LARGE", "too large", { cause: 1 });
  assert.ok(e instanceof SessionjarError);
  assert.ok(e instanceof Error);
  assert.equal(e.code, "ERR_TRANSPORT_TOO_LARGE");
  assert.equal(e.name, "TransportError");
  assert.equal(e.message, "too large");
  assert.equal(e.cause, 1);
});
