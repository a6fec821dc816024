import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ENCRYPTED_COOKIE_CAPABILITIES,
  SIGNED_COOKIE_CAPABILITIES,
  type TransportCapabilities,
  variantsTable,
} from "./capabilities.js";
import { MAX_COOKIE_BYTES } from "./keys.js";

describe("transport capabilities", () => {
  test("the cookie codecs declare client state, denylist revocation, ambient, 4096 bytes", () => {
    for (const c of [SIGNED_COOKIE_CAPABILITIES, ENCRYPTED_COOKIE_CAPABILITIES]) {
      assert.equal(c.state, "client");
      assert.equal(c.revocation, "denylist");
      assert.equal(c.crossDomain, false);
      assert.equal(c.sizeLimit, MAX_COOKIE_BYTES);
      assert.equal(c.ambient, true);
      assert.ok(Object.isFrozen(c));
    }
    assert.equal(SIGNED_COOKIE_CAPABILITIES.name, "signed-cookie");
    assert.equal(ENCRYPTED_COOKIE_CAPABILITIES.name, "encrypted-cookie");
    assert.match(SIGNED_COOKIE_CAPABILITIES.notes, /can read/);
    assert.match(ENCRYPTED_COOKIE_CAPABILITIES.notes, /neither read nor change/);
  });

  test("variantsTable writes one Markdown row per declaration, in order", () => {
    const table = variantsTable([SIGNED_COOKIE_CAPABILITIES, ENCRYPTED_COOKIE_CAPABILITIES]);
    const lines = table.trimEnd().split("\n");
    assert.equal(lines.length, 4);
    assert.equal(
      lines[0],
      "| transport | session state | revocation | cross-domain | size limit | ambient (needs CSRF guard) | notes |",
    );
    assert.equal(lines[1], "| --- | --- | --- | --- | --- | --- | --- |");
    assert.match(
      lines[2] ?? "",
      /^\| `signed-cookie` \| client \(in the credential\) \| after a denylist check \(one store read\) \| no \| 4096 bytes \| yes \| HMAC-SHA256/,
    );
    assert.match(lines[3] ?? "", /^\| `encrypted-cookie` \|/);
    for (const line of lines) assert.equal(line.split(/(?<!\\)\|/).length, 9, line);
  });

  test("every value of every field has a wording, and cells stay one line", () => {
    const other: TransportCapabilities = {
      name: "bearer-opaque",
      state: "server",
      revocation: "instant",
      crossDomain: true,
      sizeLimit: null,
      ambient: false,
      notes: "a | b\nc",
    };
    const jwt: TransportCapabilities = { ...other, name: "jwt", revocation: "expiry" };
    const table = variantsTable([other, jwt]);
    assert.match(
      table,
      /\| `bearer-opaque` \| server \(a store\) \| instant \(deleted from the store\) \| yes \| none \| no \| a \\\| b c \|/,
    );
    assert.match(table, /only at expiry/);
    assert.equal(table.trimEnd().split("\n").length, 4);
    assert.equal(variantsTable([]).trimEnd().split("\n").length, 2);
  });
});
