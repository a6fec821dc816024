// Property tests of the jar's sending decision: on random jars and requests, what
// getCookieHeader and getCookies send is what a plain reading of RFC 6265bis 5.8.3 over every
// stored cookie sends, and what explain() (every check on every cookie) says is sent. These
// guard the retrieval loop, which is written for speed rather than for reading.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type ResolvedContext, resolveContext } from "./context.js";
import { CookieJar, type CookieJarOptions } from "./cookie-jar.js";
import type { RequestContext, StoredCookie } from "./index.js";
import type { JarProfile } from "./profiles.js";

const RUNS = { numRuns: 500 } as const;
const T0 = Date.parse("2026-01-01T00:00:00Z");

const URLS = [
  "https://www.shop.test/",
  "https://www.shop.test/a",
  "https://www.shop.test/a/b/c",
  "https://www.shop.test/ab",
  "http://www.shop.test/a/",
  "https://api.shop.test/a/b",
  "https://shop.test/",
  "https://a.www.shop.test/x",
  "wss://www.shop.test/a",
  "http://localhost/a",
  "http://127.0.0.1/a/b",
  "https://other.example/",
];

const CONTEXTS: readonly (RequestContext | undefined)[] = [
  undefined,
  { api: "script" },
  { type: "subresource", initiator: "https://evil.example" },
  { type: "subresource", initiator: "https://www.shop.test" },
  { type: "navigation", initiator: "https://evil.example" },
  { type: "navigation", initiator: "https://evil.example", method: "POST" },
  { type: "frame", frames: ["https://evil.example"] },
  { type: "subresource", frames: ["https://other.example", "https://api.shop.test"] },
  { type: "navigation", redirects: ["https://evil.example/r"] },
];

const PROFILES: readonly CookieJarOptions[] = [
  {},
  { profile: "chromium" },
  { profile: "chromium", blockThirdPartyCookies: true },
  { defaultSameSite: "None", maxCookiesPerDomain: 6, purgeCookiesPerDomainTo: 4 },
];

const setLine = fc
  .record({
    name: fc.constantFrom("a", "b", "A", "", "__Host-x", "__Secure-y", "__Http-z"),
    value: fc.constantFrom("1", "2", "v", "__Host-x"),
    domain: fc.option(
      fc.constantFrom("shop.test", ".shop.test", "www.shop.test", "test", "other.example"),
    ),
    path: fc.option(fc.constantFrom("/", "/a", "/a/", "/a/b", "/ab", "x")),
    secure: fc.boolean(),
    httpOnly: fc.boolean(),
    sameSite: fc.option(fc.constantFrom("Strict", "Lax", "None", "bogus")),
    maxAge: fc.option(fc.constantFrom("0", "-1", "5", "100", "99999999999")),
    partitioned: fc.boolean(),
  })
  .map((c) => {
    const parts = [c.name === "" ? c.value : `${c.name}=${c.value}`];
    if (c.domain !== null) parts.push(`Domain=${c.domain}`);
    if (c.path !== null) parts.push(`Path=${c.path}`);
    if (c.secure) parts.push("Secure");
    if (c.httpOnly) parts.push("HttpOnly");
    if (c.sameSite !== null) parts.push(`SameSite=${c.sameSite}`);
    if (c.maxAge !== null) parts.push(`Max-Age=${c.maxAge}`);
    if (c.partitioned) parts.push("Partitioned");
    return parts.join("; ");
  });

const request = fc.record({
  url: fc.constantFrom(...URLS),
  context: fc.constantFrom(...CONTEXTS),
});

type Op =
  | {
      readonly op: "set";
      readonly line: string;
      readonly url: string;
      readonly context: RequestContext | undefined;
    }
  | { readonly op: "tick"; readonly ms: number }
  | { readonly op: "get"; readonly url: string; readonly context: RequestContext | undefined };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({ line: setLine, req: request })
      .map((x) => ({ op: "set" as const, line: x.line, url: x.req.url, context: x.req.context })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: -2000, max: 200_000 }).map((ms) => ({ op: "tick" as const, ms })),
  },
  { weight: 2, arbitrary: request.map((r) => ({ op: "get" as const, ...r })) },
);

function domainMatch(host: string, domain: string): boolean {
  const ip = /^[\d.]+$/.test(host) || host.includes(":");
  return host === domain || (!ip && host.endsWith(`.${domain}`));
}

function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

function sameSiteAllows(
  c: StoredCookie,
  ctx: ResolvedContext,
  p: JarProfile,
  now: number,
): boolean {
  if (ctx.status === "same-site" || c.sameSite === "None") return true;
  if (c.sameSite === "Strict") return false;
  if (c.sameSite === "Default" && p.defaultSameSite === "None") return true;
  if (ctx.status === "lax") return true;
  return (
    ctx.status === "lax-unsafe" &&
    c.sameSite === "Default" &&
    now - c.creationTime < p.laxAllowingUnsafeMs
  );
}

/** RFC 6265bis 5.8.3 read plainly: filter every live cookie, then order the ones that pass. */
function reference(
  jar: CookieJar,
  url: string,
  context: RequestContext | undefined,
  now: number,
): string[] {
  const u = new URL(url);
  const p = jar.profile;
  const ctx = resolveContext(u, context, p);
  const loopback = u.hostname === "localhost" || u.hostname.startsWith("127.");
  const secure = u.protocol === "https:" || u.protocol === "wss:" || (p.trustLoopback && loopback);
  return jar
    .all()
    .filter(
      (c) =>
        (c.hostOnly ? u.hostname === c.domain : domainMatch(u.hostname, c.domain)) &&
        pathMatch(u.pathname, c.path) &&
        (secure || !c.secure) &&
        !(c.httpOnly && ctx.api === "script") &&
        sameSiteAllows(c, ctx, p, now) &&
        (c.partitionKey === undefined || c.partitionKey === ctx.topLevelSite) &&
        !(p.blockThirdPartyCookies && ctx.thirdParty && c.partitionKey === undefined),
    )
    .sort((a, b) => b.path.length - a.path.length || a.creationTime - b.creationTime)
    .map((c) => (c.name === "" ? c.value : `${c.name}=${c.value}`));
}

describe("CookieJar sending decision (properties)", () => {
  test("getCookieHeader and getCookies send what a plain reading of the RFC and explain() send", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROFILES),
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.array(request, { minLength: 1, maxLength: 6 }),
        (options, ops, finalRequests) => {
          let now = T0;
          const jar = new CookieJar({ ...options, clock: () => now });
          const check = (url: string, context: RequestContext | undefined): void => {
            const expected = reference(jar, url, context, now);
            const explained = jar.explain(url, context);
            const header = jar.getCookieHeader(url, context);
            assert.equal(header, expected.join("; "), `${url} ${JSON.stringify(context)}`);
            assert.equal(explained.header, header);
            const sent = jar.getCookies(url, context);
            assert.deepEqual(
              explained.cookies.filter((v) => v.sent).map((v) => v.cookie.name),
              sent.map((c) => c.name),
            );
            // Retrieval updates the last-access time of what it sends (RFC 6265bis 5.8.3 step 3).
            assert.ok(sent.every((c) => c.lastAccessTime === now));
          };
          for (const o of ops) {
            if (o.op === "set") jar.setCookie(o.line, o.url, o.context);
            else if (o.op === "tick") now += o.ms;
            else check(o.url, o.context);
          }
          for (const r of finalRequests) check(r.url, r.context);
          const copy = CookieJar.fromJSON(jar.toJSON(), { ...options, clock: () => now });
          for (const r of finalRequests) {
            assert.equal(
              copy.getCookieHeader(r.url, r.context),
              jar.getCookieHeader(r.url, r.context),
            );
          }
        },
      ),
      RUNS,
    );
  });
});
