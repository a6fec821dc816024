import assert from "node:assert/strict";
import { test } from "node:test";
import { CookieError } from "./cookie/errors.js";
import { SessionjarError } from "./errors.js";

test("module errors extend SessionjarError and keep their code, name and cause", () => {
  const cause = new Error("root");
  const base = new SessionjarError("ERR_X", "what to do", { cause });
  assert.equal(base.code, "ERR_X");
  assert.equal(base.name, "SessionjarError");
  assert.equal(base.cause, cause);
  const e = new CookieError("ERR_COOKIE_NAME_INVALID", "name", "msg");
  assert.ok(e instanceof SessionjarError && e instanceof Error);
  assert.equal(e.name, "CookieError");
  assert.equal(e.code, "ERR_COOKIE_NAME_INVALID");
  assert.equal(e.attribute, "name");
});
