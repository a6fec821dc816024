// The shop's story in Chromium on the embedded store (SQLite, as `npm start` runs it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { openStores } from "../../examples/shop/stores.js";
import { shopBrowserSuite } from "./browser.js";

const dir = mkdtempSync(join(tmpdir(), "shop-browser-"));
after(() => rmSync(dir, { recursive: true, force: true }));

shopBrowserSuite("SQLite", () => openStores(`sqlite:${join(dir, "sessions.db")}`));
