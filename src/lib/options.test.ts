import assert from "node:assert/strict";
import { test } from "node:test";
import { booleanOption, didYouMean, refuseUnknownKeys } from "./options.js";

const fail = (message: string): never => {
  throw new Error(message);
};

test("didYouMean: case, one or two letters, a swap; nothing for short names far off", () => {
  assert.equal(didYouMean("Expect", ["expect"]), "expect");
  assert.equal(didYouMean("expcet", ["expect"]), "expect");
  assert.equal(didYouMean("redirect", ["redirects"]), "redirects");
  assert.equal(didYouMean("hedaers", ["header", "headers"]), "headers");
  assert.equal(didYouMean("id", ["op", "url"]), undefined);
  assert.equal(
    didYouMean("insecureLocalHost", ["trustProxy", "insecureLocalhost"]),
    "insecureLocalhost",
  );
});

test("refuseUnknownKeys names the likely key, or every key", () => {
  refuseUnknownKeys({ grace: 1 }, ["interval", "grace"], "rotation.", fail);
  assert.throws(
    () => refuseUnknownKeys({ intervl: 1 }, ["interval", "grace"], "rotation.", fail),
    /^Error: unknown option rotation\.intervl: did you mean rotation\.interval\?$/,
  );
  assert.throws(
    () => refuseUnknownKeys({ graceSeconds: 1 }, ["interval", "grace"], "rotation.", fail),
    /unknown option rotation\.graceSeconds: the options are interval, grace$/,
  );
});

test("booleanOption: the fallback for undefined, anything but a boolean refused", () => {
  assert.equal(booleanOption("flag", undefined, true, fail), true);
  assert.equal(booleanOption("flag", false, true, fail), false);
  assert.throws(
    () => booleanOption("flag", "false", true, fail),
    /flag must be true or false, not "false"/,
  );
  assert.throws(() => booleanOption("flag", 0, true, fail), /not 0/);
});
