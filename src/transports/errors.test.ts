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

test("the JWT, bearer, refresh and revocation blocks throw the same class, codes unchanged", async () => {
  const { createJwtCodec } = await import("./jwt.js");
  const { bearerChallenge } = await import("./bearer.js");
  for (const f of [
    () => createJwtCodec({ keys: [], issuer: "i", audience: "a" }),
    () => bearerChallenge({ realm: '"' }),
  ]) {
    assert.throws(
      f,
      (e: unknown) => e instanceof TransportError && /^ERR_(JWT|BEARER)_/.test(e.code),
    );
  }
});
