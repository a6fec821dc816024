import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { explainSending, lessonRequests, type SendingRequest } from "./index.js";

const FROM = "https://www.shop.test/account/settings";
const sent = (line: string): boolean[] =>
  explainSending(line, FROM, lessonRequests(FROM)).requests.map((r) => r.sent);

describe("explainSending: the lessons' four requests", () => {
  test("the requests: same host over https, same page over http, a sibling, a cross-site POST", () => {
    assert.deepEqual(
      lessonRequests(FROM).map((r) => [r.url, r.method ?? "GET", r.initiator]),
      [
        ["https://www.shop.test/account/settings", "GET", "https://www.shop.test"],
        ["http://www.shop.test/account/settings", "GET", undefined],
        ["https://other.shop.test/", "GET", "https://www.shop.test"],
        ["https://www.shop.test/account/settings", "POST", "https://attacker.example"],
      ],
    );
    assert.equal(lessonRequests("https://other.shop.test/")[2]?.url, "https://another.shop.test/");
  });

  test("a __Host- Lax cookie goes only with the first", () => {
    assert.deepEqual(sent("__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Lax"), [
      true,
      false,
      false,
      false,
    ]);
  });

  test("a Domain cookie without Secure goes everywhere the site is, http included", () => {
    assert.deepEqual(sent("sid=1; Domain=shop.test; Path=/; SameSite=Lax"), [
      true,
      true,
      true,
      false,
    ]);
    // SameSite=None without Secure is refused: stored nowhere.
    const refused = explainSending(
      "sid=1; Domain=shop.test; SameSite=None",
      FROM,
      lessonRequests(FROM),
    );
    assert.equal(refused.stored, false);
    assert.match(refused.storage, /SameSite=None without Secure/);
    assert.deepEqual(sent("sid=1; Domain=shop.test; Path=/; SameSite=None; Secure"), [
      true,
      false,
      true,
      true,
    ]);
  });

  test("no SameSite: not on a cross-site POST (Chromium's Lax by default), with the two-minute caveat", () => {
    const r = explainSending("sid=1; Path=/; Secure", FROM, lessonRequests(FROM));
    assert.deepEqual(
      r.requests.map((x) => x.sent),
      [true, false, false, false],
    );
    assert.match(r.requests[3]?.reasons.at(-1) ?? "", /two minutes/);
    const fresh = explainSending("sid=1; Path=/; Secure", FROM, [
      { ...(lessonRequests(FROM)[3] as SendingRequest), secondsAfterSet: 30 },
    ]);
    assert.equal(fresh.requests[0]?.sent, true);
    assert.match(fresh.requests[0]?.reasons.at(-1) ?? "", /Lax-allowing-unsafe/);
  });

  test("the default path of a cookie without Path, and a Strict cookie on a cross-site link", () => {
    const r = explainSending("a=1; Secure; SameSite=Strict", FROM, [
      { label: "same directory", url: "https://www.shop.test/account/orders" },
      { label: "elsewhere", url: "https://www.shop.test/cart" },
      {
        label: "a link from another site",
        url: "https://www.shop.test/account/x",
        initiator: "https://news.example",
      },
    ]);
    assert.deepEqual(
      r.requests.map((x) => x.sent),
      [true, false, false],
    );
    assert.match(r.requests[1]?.reasons.at(-1) ?? "", /not under Path=\/account/);
    const lax = explainSending("a=1; Path=/; Secure; SameSite=Lax", FROM, [
      { label: "a link", url: FROM, initiator: "https://news.example" },
      { label: "a fetch", url: FROM, initiator: "https://news.example", navigation: false },
    ]);
    assert.deepEqual(
      lax.requests.map((x) => x.sent),
      [true, false],
    );
  });

  test("lines the browser ignores or refuses are not stored", () => {
    assert.equal(explainSending("=", FROM, []).stored, false);
    assert.equal(explainSending("__Host-a=1; Path=/", FROM, []).stored, false);
    assert.equal(explainSending("a=1; Secure", "http://www.shop.test/", []).stored, false);
    assert.equal(explainSending("a=1; Domain=evil.test", FROM, []).stored, false);
    assert.throws(() => explainSending("a=1", "shop.test", []), {
      code: "ERR_AUDIT_INPUT_INVALID",
    });
  });
});
