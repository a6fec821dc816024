import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionError } from "../session/errors.js";
import { errorAnswer } from "./core.js";

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
