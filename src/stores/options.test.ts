// Every built-in store refuses a misspelt option when it is made, naming the one it is likely
// meant for; the check comes first, so no database or client is needed to see it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryStore } from "./memory.js";
import { postgresStore } from "./postgres.js";
import { redisStore } from "./redis.js";
import { sqliteStore } from "./sqlite.js";
import { StoreError } from "./types.js";

const refused = (make: () => unknown, message: RegExp): void => {
  assert.throws(
    make,
    (e: unknown) =>
      e instanceof StoreError && e.code === "ERR_STORE_OPTIONS_INVALID" && message.test(e.message),
  );
};

test("a misspelt store option is refused, not left to its default", () => {
  refused(
    () => memoryStore({ maxSesions: 2 } as never),
    /^memoryStore: unknown option maxSesions: did you mean maxSessions\?/,
  );
  refused(
    () => sqliteStore({ database: ":memory:", tabel: "x" } as never),
    /^sqliteStore: unknown option tabel: did you mean table\?/,
  );
  refused(
    () => postgresStore({ pool: null, schema: "app" } as never),
    /^postgresStore: unknown option schema: the options are pool, table, now/,
  );
  refused(
    () => redisStore({ client: null, prefx: "app:" } as never),
    /^redisStore: unknown option prefx: did you mean prefix\?/,
  );
  refused(() => sqliteStore(null as never), /needs an options object: sqliteStore\(\{ database/);
  refused(() => redisStore(undefined as never), /redisStore: needs an options object/);
});
