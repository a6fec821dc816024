import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { CsrfError } from "./errors.js";
import { createTokenCodec } from "./tokens.js";

const k1 = { id: "k1", secret: randomBytes(32) };
const k2 = { id: "k2", secret: randomBytes(32) };

describe("CSRF tokens", () => {
  test("a token verifies for its binding only", () => {
    const codec = createTokenCodec([k1]);
    const t = codec.issue("session-a");
    assert.equal(codec.verify("session-a", t), true);
    assert.equal(codec.verify("session-b", t), false);
  });

  test("masked afresh on every issue, all of them valid (BREACH)", () => {
    const codec = createTokenCodec([k1]);
    const a = codec.issue("s");
    const b = codec.issue("s");
    assert.notEqual(a, b);
    assert.equal(codec.verify("s", a) && codec.verify("s", b), true);
  });

  test("every single-byte change of a token is refused", () => {
    const codec = createTokenCodec([k1]);
    const t = codec.issue("s");
    const bytes = Buffer.from(t, "base64url");
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = (copy[i] as number) ^ 0x01;
      assert.equal(codec.verify("s", copy.toString("base64url")), false, `byte ${i}`);
    }
    assert.equal(codec.verify("s", t.slice(0, -2)), false);
    assert.equal(codec.verify("s", `${t}AA`), false);
  });

  test("only the canonical base64url spelling is accepted (spare bits of the last character)", () => {
    const codec = createTokenCodec([k1]);
    for (let i = 0; i < 200; i++) {
      const t = codec.issue("s");
      const last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      for (const c of last) {
        const variant = t.slice(0, -1) + c;
        if (variant !== t) assert.equal(codec.verify("s", variant), false, variant);
      }
    }
  });

  test("garbage is false, never a throw", () => {
    const codec = createTokenCodec([k1]);
    for (const bad of [
      "",
      "x",
      "!!!",
      "a".repeat(10_000),
      "\u0000",
      "AAAA",
      undefined as unknown as string,
    ]) {
      assert.equal(codec.verify("s", bad), false);
    }
  });

  test("key rotation: the newest key signs, older keys still verify, dropped keys do not", () => {
    const old = createTokenCodec([k1]);
    const t = old.issue("s");
    const rotated = createTokenCodec([k2, k1]);
    assert.equal(rotated.verify("s", t), true);
    assert.equal(createTokenCodec([k1]).verify("s", rotated.issue("s")), false);
    assert.equal(createTokenCodec([k2]).verify("s", t), false);
  });

  test("a token signed by another server's key with the same id is refused", () => {
    const t = createTokenCodec([{ id: "k1", secret: randomBytes(32) }]).issue("s");
    assert.equal(createTokenCodec([k1]).verify("s", t), false);
  });

  test("weak or malformed keys are refused with what to do", () => {
    const refused = (keys: unknown, re: RegExp): void =>
      assert.throws(
        () => createTokenCodec(keys as never),
        (e: unknown) =>
          e instanceof CsrfError && e.code === "ERR_CSRF_KEY_INVALID" && re.test(e.message),
      );
    refused([], /needs keys/);
    refused(undefined, /needs keys/);
    // process.env.CSRF_SECRET when the variable is not set.
    refused(
      [{ id: "k1", secret: undefined }],
      /no secret \(undefined: is its environment variable set\?\)/,
    );
    refused([{ id: "k1", secret: "" }], /empty secret \(is its environment variable set\?/);
    refused([{ id: "k1", secret: 42 }], /no secret \(number\)/);
    refused(["k1"], /each key must be \{ id, secret \}/);
    refused([{ id: "k", secret: "short" }], /randomBytes\(32\)/);
    refused([{ id: "k", secret: "s".repeat(32) }], /not a random secret/);
    refused([{ id: "bad id", secret: randomBytes(32) }], /1-16 characters/);
    refused([k1, { ...k1 }], /twice/);
  });
});
