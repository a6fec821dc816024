import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { splitSetCookie } from "./split-set-cookie.js";

describe("splitSetCookie", () => {
  test("keeps the commas of Expires dates", () => {
    assert.deepEqual(
      splitSetCookie(
        "a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Path=/, b=2; Expires=Thu, 01 Jan 1970 00:00:00 GMT, c=3",
      ),
      [
        "a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Path=/",
        "b=2; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "c=3",
      ],
    );
  });

  test("the old date formats too", () => {
    assert.deepEqual(splitSetCookie("a=1; expires=Thursday, 01-Jan-1970 00:00:00 GMT,b=2"), [
      "a=1; expires=Thursday, 01-Jan-1970 00:00:00 GMT",
      "b=2",
    ]);
  });

  test("a comma inside a value that is not followed by name= stays", () => {
    assert.deepEqual(splitSetCookie("a=x,y; Path=/"), ["a=x,y; Path=/"]);
    assert.deepEqual(splitSetCookie("a=x, y z=1"), ["a=x, y z=1"]);
    assert.deepEqual(splitSetCookie("a=x,=y"), ["a=x,=y"]);
  });

  test("line breaks always separate; empty pieces are dropped", () => {
    assert.deepEqual(splitSetCookie("a=1\r\nb=2\n\n, ,c=3,"), ["a=1", "b=2", "c=3,"]);
    assert.deepEqual(splitSetCookie(""), []);
    assert.deepEqual(splitSetCookie(" , "), []);
  });

  test("a trailing comma can belong to the line and stays", () => {
    assert.deepEqual(splitSetCookie(["a=1; Path=/x,"]), ["a=1; Path=/x,"]);
  });

  test("accepts the array some clients give, splitting each entry", () => {
    assert.deepEqual(splitSetCookie(["a=1, b=2", "c=3"]), ["a=1", "b=2", "c=3"]);
  });

  test("never throws", () => {
    assert.deepEqual(splitSetCookie(undefined as unknown as string), []);
    assert.equal(splitSetCookie(",".repeat(100_000)).length, 0);
    assert.equal(splitSetCookie("a=1,".repeat(50_000)).length, 50_000);
  });
});
