import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionError } from "../session/errors.js";
import { applyHeaders, errorAnswer, mergeCacheControl } from "./core.js";

test("errorAnswer: a 4xx carries its message, for the client to act on", () => {
  const a = errorAnswer(new SessionError("ERR_SESSION_REQUIRED", 401, "sign in first"));
  assert.equal(a?.status, 401);
  assert.deepEqual(JSON.parse(a?.body ?? ""), {
    error: { code: "session_required", message: "sign in first" },
  });
});

test("errorAnswer: a 503 says only that the store is unavailable, never the store's words", () => {
  const detail = "connect ECONNREFUSED 10.0.0.7:5432; run migrate()";
  const a = errorAnswer(new SessionError("ERR_SESSION_STORE_UNAVAILABLE", 503, detail));
  assert.equal(a?.status, 503);
  assert.equal(a?.headers["retry-after"], "5");
  assert.doesNotMatch(a?.body ?? "", /10\.0\.0\.7|migrate/);
  assert.equal(JSON.parse(a?.body ?? "").error.code, "session_store_unavailable");
});

test("errorAnswer: programming errors (500) and other errors go to the framework", () => {
  assert.equal(errorAnswer(new SessionError("ERR_SESSION_COMMITTED", 500, "late")), undefined);
  const unsupported = new SessionError("ERR_SESSION_UNSUPPORTED", 501, "cannot list sessions");
  assert.equal(errorAnswer(unsupported)?.status, 501);
  assert.equal(errorAnswer(new Error("boom")), undefined);
});

test("mergeCacheControl: the session's directive is in force, never beside its opposite", () => {
  // A read of the session: no shared cache may keep it; the browser's max-age stays.
  assert.equal(mergeCacheControl("public, max-age=600", "private"), "private, max-age=600");
  assert.equal(mergeCacheControl("max-age=60, s-maxage=600", "private"), "private, max-age=60");
  assert.equal(mergeCacheControl("private, max-age=5", "private"), "private, max-age=5");
  // A response that sets the cookie is not stored at all.
  assert.equal(mergeCacheControl("public, max-age=600", "no-store"), "no-store");
  // The handler's own no-store covers both.
  assert.equal(mergeCacheControl("no-store, no-cache", "private"), "no-store, no-cache");
  assert.equal(mergeCacheControl("No-Store", "no-store"), "No-Store");
});

test("applyHeaders: a handler's CDN-Cache-Control gets the session's directive too", () => {
  const headers = new Map<string, string>([
    ["cache-control", "public, max-age=600"],
    ["cdn-cache-control", "public, max-age=3600"],
  ]);
  applyHeaders(
    { setCookie: [], cacheControl: "private", vary: "Cookie" },
    (n) => headers.get(n),
    (n, v) => headers.set(n, v),
    () => {},
  );
  assert.equal(headers.get("cache-control"), "private, max-age=600");
  assert.equal(headers.get("cdn-cache-control"), "private, max-age=3600");
  assert.equal(headers.get("vary"), "Cookie");
  const none = new Map<string, string>();
  applyHeaders(
    { setCookie: ["a=1"], cacheControl: "no-store", vary: undefined },
    (n) => none.get(n),
    (n, v) => none.set(n, v),
    () => {},
  );
  assert.equal(none.has("cdn-cache-control"), false, "none is added where the handler set none");
});
