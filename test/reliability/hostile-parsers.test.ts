// Hostile input straight at the parsers and the token verifiers, with fast-check: every target
// answers (a result, a refusal, a typed error) and never throws anything else, and a changed
// token is never accepted. 2,000 cases per target in `npm test`, 100,000 with SESSIONJAR_SOAK=1.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  parseCookie,
  parseCookieDate,
  parseSetCookie,
  splitSetCookie,
} from "../../src/cookie/index.js";
import { createCorsPolicy } from "../../src/cors/index.js";
import { createTokenCodec } from "../../src/csrf/tokens.js";
import { SessionjarError } from "../../src/errors.js";
import { CookieJar, type RequestContext } from "../../src/jar/index.js";
import { createSessions } from "../../src/session/index.js";
import { isSameSite, originOf, siteOf } from "../../src/site/index.js";
import { memoryStore } from "../../src/stores/index.js";
import {
  createEncryptedCodec,
  createJwtCodec,
  createSignedCodec,
  newSessionId,
  readBearerToken,
  type SessionPayload,
} from "../../src/transports/index.js";
import { CountingStore } from "../sessions/behaviour.js";
import { SOAK } from "./soak.js";

const RUNS = SOAK ? 100_000 : 2_000;
const counted: Record<string, number> = {};

/** Runs a property RUNS times and remembers the count, for the summary line. */
async function check<T>(
  target: string,
  arb: fc.Arbitrary<T>,
  body: (v: T) => void | Promise<void>,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      await body(v);
    }),
    { numRuns: RUNS },
  );
  counted[target] = RUNS;
}

/** Anything a network peer can put in a header: every code unit, long runs of separators. */
const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({
    unit: fc.constantFrom(";", "=", " ", ",", "\t", "\u0000", "\r", "\n", "\u00ff", '"', "a", "%"),
    maxLength: 400,
  }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
);

/** Throws unless `f` returns or throws one of the project's typed errors. */
function typedOrNothing(f: () => unknown): void {
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof SessionjarError, `untyped error: ${String(error)}`);
  }
}

/** A valid value with one character changed, or cut short. */
const mutation = (value: string): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc
        .tuple(
          fc.nat({ max: value.length - 1 }),
          fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }),
        )
        .map(([i, c]) => value.slice(0, i) + c + value.slice(i + 1)),
      fc.nat({ max: value.length - 1 }).map((n) => value.slice(0, n)),
    )
    .filter((v) => v !== value);

const T0 = Date.now();
const payload: SessionPayload = {
  v: 1,
  sid: newSessionId(),
  sub: "user-42",
  data: { cart: [1, 2, 3] },
  iat: T0,
  idleExp: T0 + 30 * 60_000,
  absExp: T0 + 8 * 3_600_000,
  elv: null,
};
const key = { id: "k1", secret: randomBytes(32) };

describe(`hostile input against the parsers and verifiers (${RUNS} cases each)`, () => {
  test("cookie: parseCookie, parseSetCookie, splitSetCookie, parseCookieDate", async () => {
    await check("parseCookie", hostileText, (s) => {
      for (const v of parseCookie(s).getAll("__Host-session")) assert.equal(typeof v, "string");
    });
    await check("parseSetCookie", hostileText, (s) => {
      const r = parseSetCookie(s);
      assert.ok(r.type === "cookie" || r.type === "ignored");
    });
    await check("splitSetCookie", hostileText, (s) => {
      for (const line of splitSetCookie(s)) assert.equal(typeof line, "string");
    });
    await check("parseCookieDate", hostileText, (s) => {
      const d = parseCookieDate(s);
      assert.ok(d === undefined || (d instanceof Date && !Number.isNaN(d.getTime())));
    });
  });

  test("session cookies: any Cookie header is a session or none, with no store write", async () => {
    const store = new CountingStore(memoryStore());
    const sessions = createSessions({ store, insecureLocalhost: true });
    const header = fc.oneof(
      hostileText,
      hostileText.map((s) => `__Host-session=${s}`),
      fc
        .string({ unit: fc.constantFrom(..."ABCabc012_-."), minLength: 40, maxLength: 56 })
        .map((s) => `__Host-session=${s}`),
    );
    await check("session load", header, async (cookie) => {
      const session = await sessions.load({
        header: (n) => (n === "cookie" ? cookie : n === "host" ? "localhost" : undefined),
        encrypted: false,
      });
      assert.equal(session.active, false);
    });
    assert.equal(store.writes, 0);
  });

  test("signed and encrypted cookies: garbage and every change is refused, never thrown", async () => {
    const signed = createSignedCodec({ keys: [key] });
    const encrypted = createEncryptedCodec({ keys: [key], cookieName: "__Host-session" });
    for (const [name, codec] of [
      ["signed cookie", signed],
      ["encrypted cookie", encrypted],
    ] as const) {
      const sealed = codec.seal(payload);
      assert.equal(codec.open(sealed).ok, true);
      await check(`${name} (garbage)`, hostileText, (s) => {
        typedOrNothing(() => assert.equal(codec.open(s).ok, false));
      });
      await check(`${name} (changed)`, mutation(sealed), (s) => {
        assert.equal(codec.open(s).ok, false);
      });
    }
  });

  test("JWT: garbage and every change is refused, never thrown", async () => {
    const jwt = createJwtCodec({
      keys: [{ kid: "h1", alg: "HS256", key: randomBytes(32) }],
      issuer: "https://www.shop.test",
      audience: "https://api.shop.test",
    });
    const token = await jwt.sign({ sub: "user-42" });
    assert.equal((await jwt.verify(token)).ok, true);
    await check("JWT verify (garbage)", hostileText, async (s) => {
      assert.equal((await jwt.verify(s)).ok, false);
    });
    await check("JWT verify (changed)", mutation(token), async (s) => {
      assert.equal((await jwt.verify(s)).ok, false);
    });
  });

  test("CSRF tokens and bearer headers: refused, never thrown", async () => {
    const codec = createTokenCodec([key]);
    const binding = "abcd.binding";
    const token = codec.issue(binding);
    assert.equal(codec.verify(binding, token), true);
    await check("CSRF verify (garbage)", hostileText, (s) => {
      assert.equal(codec.verify(binding, s), false);
    });
    await check("CSRF verify (changed)", mutation(token), (s) => {
      assert.equal(codec.verify(binding, s), false);
    });
    await check(
      "readBearerToken",
      fc.oneof(
        hostileText,
        hostileText.map((s) => `Bearer ${s}`),
      ),
      (s) => {
        const r = readBearerToken(s);
        assert.equal(typeof r, "object");
      },
    );
  });

  test("the jar: any Set-Cookie from any URL, any request context", async () => {
    const jar = new CookieJar();
    const url = fc.oneof(
      fc.webUrl({ withQueryParameters: true }),
      fc.constantFrom("https://www.shop.test/a/b", "http://api.shop.test/", "https://[::1]:8443/x"),
      hostileText,
    );
    const context = fc.record(
      {
        type: fc.constantFrom("navigation", "frame", "subresource"),
        initiator: fc.oneof(fc.constant(null), url),
        method: fc.oneof(fc.constantFrom("GET", "POST", "get"), hostileText),
        api: fc.constantFrom("http", "script"),
      },
      { requiredKeys: [] },
    );
    await check("jar setCookie", fc.tuple(hostileText, url, context), ([line, u, ctx]) => {
      typedOrNothing(() => jar.setCookie(line, u, ctx as RequestContext));
    });
    await check("jar getCookieHeader / explain", fc.tuple(url, context), ([u, ctx]) => {
      typedOrNothing(() => {
        assert.equal(typeof jar.getCookieHeader(u, ctx as RequestContext), "string");
        jar.explain(u, ctx as RequestContext);
      });
    });
    // Bounded whatever it was fed: the limits hold.
    assert.ok(jar.all().length <= 3300);
  });

  test("sites, origins and CORS decisions: any Origin, Host or URL", async () => {
    const policy = createCorsPolicy({ origins: ["https://www.shop.test"], credentials: true });
    const url = fc.oneof(
      hostileText,
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.domain().map((d) => `https://${d}`),
      fc
        .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
        .map((h) => `https://${h}.example`),
    );
    await check("originOf / siteOf / isSameSite", url, (s) => {
      originOf(s);
      siteOf(s);
      isSameSite(s, "https://www.shop.test");
    });
    await check("CORS decide", url, (origin) => {
      const d = policy.decide({
        method: "GET",
        header: (n) => (n === "origin" ? origin : undefined),
      });
      assert.equal(typeof d, "object");
    });
  });

  test("summary", () => {
    const total = Object.values(counted).reduce((a, b) => a + b, 0);
    console.log(
      `hostile parsers: ${Object.keys(counted).length} targets, ${total} cases, no crash`,
    );
    assert.ok(Object.keys(counted).length >= 18);
  });
});
