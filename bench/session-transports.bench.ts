// Per-request cost of reading the session through `sessions.load()` for each transport, as a
// handler gets it (the credential parsed, opened and checked, the revocation read included), and
// the raw jose verify throughput it is built on, for HS256 and ES256. One process, one run; the
// revocation and session stores are in memory, so a store's round trip is not in these figures
// (add one Redis read per request: see docs/transports.md). See bench/transports.md.
//
//   npx tsx bench/session-transports.bench.ts          the full run (under a minute)
//   npx tsx bench/session-transports.bench.ts --quick  smoke run; do not quote it
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { jwtVerify, SignJWT } from "jose";
import type { FnReturnedObject } from "tinybench";
import { createSessions, type SessionRequest } from "../src/session/index.js";
import { memoryStore } from "../src/stores/index.js";
import {
  bearerJwt,
  encryptedCookie,
  jwtCookie,
  memoryRefreshStore,
  memoryRevocationStore,
  opaqueBearer,
  signedCookie,
} from "../src/transports/index.js";
import { formatOps, measureTasks, median, methodLine, QUICK, ratios, table } from "./lib.js";

const CALLS = QUICK ? 20 : 200;
const JWT = { issuer: "https://shop.test", audience: "https://shop.test" };
const hs = randomBytes(32);
const es = generateKeyPairSync("ec", { namedCurve: "P-256" });
const DATA = { cart: ["tea", "cake", "jam"], theme: "dark", locale: "en-GB" };

/** A task that awaits `fn` CALLS times and reports the mean per call. */
function batched(fn: () => Promise<unknown>): () => Promise<FnReturnedObject> {
  return async () => {
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) await fn();
    const elapsed = performance.now() - start;
    return { overriddenDuration: elapsed / CALLS, overriddenIterationCost: elapsed };
  };
}

const request = (headers: Record<string, string>): SessionRequest => ({
  header: (name) => headers[name],
  encrypted: true,
});

/** Signs in once, then returns a task that loads that session as each request would. */
async function reading(
  sessions: ReturnType<typeof createSessions>,
  carrier: "cookie" | "bearer",
): Promise<() => Promise<FnReturnedObject>> {
  const first = await sessions.load(request({}));
  await first.signIn("bench-user", { data: DATA });
  const h = await first.commit();
  const credential =
    carrier === "cookie"
      ? (/^[^=]+=([^;]*)/.exec(h.setCookie[0] ?? "")?.[1] ?? "")
      : (h.headers?.["set-auth-token"] ?? "");
  const headers =
    carrier === "cookie"
      ? { cookie: `${sessions.cookieName}=${credential}` }
      : { authorization: `Bearer ${credential}` };
  const req = request(headers);
  const check = await sessions.load(req);
  if (check.userId !== "bench-user") throw new Error(`${carrier}: the session did not read back`);
  return batched(async () => {
    const s = await sessions.load(req);
    if (s.userId === null) throw new Error("no session");
  });
}

async function main(): Promise<void> {
  const revocation = memoryRevocationStore();
  const keys = [{ id: "k1", secret: randomBytes(32) }];
  const rows: [string, () => Promise<FnReturnedObject>][] = [
    [
      "opaque cookie (memory store)",
      await reading(createSessions({ store: memoryStore() }), "cookie"),
    ],
    [
      "opaque bearer (memory store)",
      await reading(createSessions({ store: memoryStore(), transport: opaqueBearer() }), "bearer"),
    ],
    [
      "signed cookie",
      await reading(createSessions({ transport: signedCookie({ keys, revocation }) }), "cookie"),
    ],
    [
      "encrypted cookie",
      await reading(createSessions({ transport: encryptedCookie({ keys, revocation }) }), "cookie"),
    ],
    [
      "JWT cookie, HS256",
      await reading(
        createSessions({
          transport: jwtCookie({ ...JWT, keys: [{ kid: "h", alg: "HS256", key: hs }], revocation }),
        }),
        "cookie",
      ),
    ],
    [
      "JWT cookie, ES256",
      await reading(
        createSessions({
          transport: jwtCookie({
            ...JWT,
            keys: [{ kid: "e", alg: "ES256", key: es.privateKey }],
            revocation,
          }),
        }),
        "cookie",
      ),
    ],
    [
      "bearer JWT, HS256",
      await reading(
        createSessions({
          transport: bearerJwt({
            ...JWT,
            keys: [{ kid: "h", alg: "HS256", key: hs }],
            revocation,
            refresh: memoryRefreshStore(),
          }),
        }),
        "bearer",
      ),
    ],
  ];
  // The floor under the JWT rows: jose's own jwtVerify of a token of the same size.
  const claims = { sub: "bench-user", jti: "x".repeat(27), ses: { data: DATA } };
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const hsToken = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(exp)
    .sign(hs);
  const esToken = await new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256" })
    .setExpirationTime(exp)
    .sign(es.privateKey);
  const hsKey = new Uint8Array(hs);
  rows.push(
    ["jose jwtVerify, HS256", batched(() => jwtVerify(hsToken, hsKey, { algorithms: ["HS256"] }))],
    [
      "jose jwtVerify, ES256",
      batched(() => jwtVerify(esToken, es.publicKey, { algorithms: ["ES256"] })),
    ],
  );
  const results = await measureTasks(rows.map(([, task]) => task));
  const base = results[0] as number[];
  const out = [
    ["reading the session", "ops/s (median ±half-range)", "µs per read", "vs opaque cookie"],
  ];
  rows.forEach(([name], i) => {
    const r = results[i] as number[];
    out.push([
      name,
      formatOps(r),
      (1e6 / median(r)).toFixed(1),
      `${median(ratios(r, base)).toFixed(2)}x`,
    ]);
  });
  console.log(methodLine());
  console.log(
    `${cpus().length} CPUs, ${CALLS} reads per sample${QUICK ? " (quick run: do not quote)" : ""}\n`,
  );
  console.log(table(out));
}

await main();
