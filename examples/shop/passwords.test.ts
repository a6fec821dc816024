import assert from "node:assert/strict";
import { test } from "node:test";
import { hashPassword, verifyPassword } from "./passwords.js";

test("passwords: scrypt with a random salt; only the right password verifies", async () => {
  const a = await hashPassword("alice-password");
  const b = await hashPassword("alice-password");
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b, "salted");
  assert.ok(!a.includes("alice-password"));
  assert.equal(await verifyPassword("alice-password", a), true);
  assert.equal(await verifyPassword("alice-passwore", a), false);
  assert.equal(await verifyPassword("", a), false);
});

test("passwords: a malformed hash verifies nothing", async () => {
  assert.equal(await verifyPassword("x", "plain"), false);
  assert.equal(await verifyPassword("x", "scrypt$16384$8$1$"), false);
});
