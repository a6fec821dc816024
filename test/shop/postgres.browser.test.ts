// The shop's story in Chromium with sessions in PostgreSQL (127.0.0.1:5432, database test), in
// tables of its own that are dropped afterwards.
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import pg from "pg";
import { openStores } from "../../examples/shop/stores.js";
import { shopBrowserSuite } from "./browser.js";

const URL = process.env.SESSIONJAR_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const prefix = `shoptest_${randomBytes(4).toString("hex")}`;

after(async () => {
  const pool = new pg.Pool({ connectionString: URL, connectionTimeoutMillis: 5_000 });
  for (const t of ["www", "api"])
    await pool.query(
      `DROP TABLE IF EXISTS "${prefix}_${t}_sessions", "${prefix}_${t}_sessions_renamed"`,
    );
  await pool.end();
});

shopBrowserSuite("PostgreSQL", () => openStores(URL, { prefix }));
