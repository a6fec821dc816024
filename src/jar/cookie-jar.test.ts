import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SessionjarError } from "../errors.js";
import { CookieJar, type CookieJarOptions, JarError, type RequestContext } from "./index.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;

function jarAt(options: CookieJarOptions = {}): { jar: CookieJar; tick: (ms: number) => void } {
  let now = T0;
  const jar = new CookieJar({ ...options, clock: () => now });
  return { jar, tick: (ms) => (now += ms) };
}

const SHOP = "https://www.shop.test/";
const crossSub: RequestContext = { type: "subresource", initiator: "https://evil.example" };

describe("CookieJar storage: domains and paths", () => {
  test("host-only by default, shared with subdomains by Domain", () => {
    const { jar } = jarAt();
    jar.setCookie("host=1", SHOP);
    jar.setCookie("dom=1; Domain=shop.test", SHOP);
    assert.equal(jar.getCookieHeader(SHOP), "host=1; dom=1");
    assert.equal(jar.getCookieHeader("https://api.shop.test/"), "dom=1");
    assert.equal(jar.getCookieHeader("https://shop.test/"), "dom=1");
    assert.equal(jar.getCookieHeader("https://a.www.shop.test/"), "dom=1");
    assert.equal(jar.getCookieHeader("https://shop.test.evil.example/"), "");
  });

  test("a Domain that is a public suffix or another site is refused; a suffix host keeps a host-only cookie", () => {
    const { jar } = jarAt();
    assert.equal(rejection(jar.setCookie("a=1; Domain=test", SHOP)), "domain-public-suffix");
    assert.equal(
      rejection(jar.setCookie("a=1; Domain=github.io", "https://alice.github.io/")),
      "domain-public-suffix",
    );
    assert.equal(rejection(jar.setCookie("a=1; Domain=evil.example", SHOP)), "domain-mismatch");
    assert.equal(rejection(jar.setCookie("a=1; Domain=api.shop.test", SHOP)), "domain-mismatch");
    const r = jar.setCookie("a=1; Domain=github.io", "https://github.io/");
    assert.equal(r.type === "stored" && r.cookie.hostOnly, true);
    assert.equal(jar.getCookieHeader("https://alice.github.io/"), "");
    assert.equal(jar.size, 1);
  });

  test("alice.github.io cannot set cookies for bob.github.io", () => {
    const { jar } = jarAt();
    jar.setCookie("a=1; Domain=alice.github.io", "https://alice.github.io/");
    assert.equal(jar.getCookieHeader("https://bob.github.io/"), "");
    assert.equal(jar.getCookieHeader("https://x.alice.github.io/"), "a=1");
  });

  test("default path is the directory of the request path; Path matches by segments", () => {
    const { jar } = jarAt();
    jar.setCookie("d=1", "https://www.shop.test/admin/login?x=1");
    jar.setCookie("p=1; Path=/admin", SHOP);
    jar.setCookie("bad=1; Path=admin", "https://www.shop.test/a/b");
    const paths = Object.fromEntries(jar.all().map((c) => [c.name, c.path]));
    assert.deepEqual(paths, { d: "/admin", p: "/admin", bad: "/a" });
    assert.equal(jar.getCookieHeader("https://www.shop.test/admin"), "d=1; p=1");
    assert.equal(jar.getCookieHeader("https://www.shop.test/admin/users"), "d=1; p=1");
    assert.equal(jar.getCookieHeader("https://www.shop.test/administrator"), "");
  });

  test("IP hosts: only the address itself", () => {
    const { jar } = jarAt();
    jar.setCookie("ip=1", "http://127.0.0.1:3000/");
    assert.equal(jar.getCookieHeader("http://127.0.0.1:4000/"), "ip=1");
    assert.equal(
      rejection(jar.setCookie("x=1; Domain=0.0.1", "http://127.0.0.1/")),
      "domain-mismatch",
    );
  });

  test("host names are matched canonical: case and IDNA", () => {
    const { jar } = jarAt();
    jar.setCookie("a=1", "http://WWW.B\u00fccher.Example/");
    assert.equal(jar.getCookieHeader("http://www.xn--bcher-kva.example/"), "a=1");
  });
});

describe("CookieJar storage: Secure, HttpOnly, prefixes", () => {
  test("Secure only from secure origins, sent only over https", () => {
    const { jar } = jarAt();
    assert.equal(
      rejection(jar.setCookie("s=1; Secure", "http://www.shop.test/")),
      "secure-from-insecure",
    );
    jar.setCookie("s=1; Secure", SHOP);
    assert.equal(jar.getCookieHeader("http://www.shop.test/"), "");
    assert.equal(jar.getCookieHeader("wss://www.shop.test/"), "s=1");
  });

  test("an http page cannot overwrite or shadow a Secure cookie", () => {
    const { jar } = jarAt();
    jar.setCookie("sid=secure; Secure; Domain=shop.test; Path=/", SHOP);
    for (const line of ["sid=evil", "sid=evil; Path=/deeper", "sid=evil; Domain=shop.test"]) {
      assert.equal(rejection(jar.setCookie(line, "http://www.shop.test/")), "shadows-secure", line);
    }
    assert.equal(jar.getCookieHeader(SHOP), "sid=secure");
    // A different name is fine, and so is an https page.
    assert.equal(jar.setCookie("other=1", "http://www.shop.test/").type, "stored");
    assert.equal(jar.setCookie("sid=new; Domain=shop.test", SHOP).type, "stored");
  });

  test("loopback counts as secure only when the profile says so", () => {
    assert.equal(
      rejection(jarAt().jar.setCookie("s=1; Secure", "http://localhost:3000/")),
      "secure-from-insecure",
    );
    const { jar } = jarAt({ profile: "chromium" });
    assert.equal(jar.setCookie("s=1; Secure", "http://localhost:3000/").type, "stored");
    assert.equal(jar.getCookieHeader("http://localhost:3000/"), "s=1");
  });

  test("HttpOnly: invisible to script and not writable by it, not even by overwriting", () => {
    const { jar } = jarAt();
    const script: RequestContext = { api: "script" };
    jar.setCookie("sid=1; HttpOnly", SHOP);
    jar.setCookie("theme=dark", SHOP, script);
    assert.equal(jar.getCookieHeader(SHOP, script), "theme=dark");
    assert.equal(jar.getCookieHeader(SHOP), "sid=1; theme=dark");
    assert.equal(rejection(jar.setCookie("x=1; HttpOnly", SHOP, script)), "http-only-from-script");
    assert.equal(rejection(jar.setCookie("sid=2", SHOP, script)), "overwrites-http-only");
    assert.equal(rejection(jar.setCookie("sid=; Max-Age=0", SHOP, script)), "overwrites-http-only");
    assert.equal(jar.getCookieHeader(SHOP), "sid=1; theme=dark");
  });

  test("__Secure- and __Host- prefixes, in any case", () => {
    const { jar } = jarAt();
    assert.equal(rejection(jar.setCookie("__Secure-a=1", SHOP)), "prefix-secure");
    assert.equal(rejection(jar.setCookie("__SECURE-a=1", SHOP)), "prefix-secure");
    assert.equal(rejection(jar.setCookie("__host-a=1; Secure", SHOP)), "prefix-host");
    assert.equal(
      rejection(jar.setCookie("__Host-a=1; Secure; Path=/; Domain=shop.test", SHOP)),
      "prefix-host",
    );
    assert.equal(rejection(jar.setCookie("__Host-a=1; Secure; Path=/x", SHOP)), "prefix-host");
    assert.equal(jar.setCookie("__Secure-a=1; Secure", SHOP).type, "stored");
    assert.equal(jar.setCookie("__Host-a=1; Secure; Path=/", SHOP).type, "stored");
    assert.equal(jar.size, 2);
  });

  test("__Http- prefix: Secure and HttpOnly over HTTP, never from script", () => {
    const { jar } = jarAt();
    assert.equal(rejection(jar.setCookie("__Http-a=1; Secure", SHOP)), "prefix-http");
    assert.equal(
      rejection(jar.setCookie("__Host-Http-a=1; Secure; HttpOnly", SHOP)),
      "prefix-host",
    );
    assert.equal(jar.setCookie("__Http-a=1; Secure; HttpOnly", SHOP).type, "stored");
    assert.equal(jar.setCookie("__Host-Http-a=1; Secure; HttpOnly; Path=/", SHOP).type, "stored");
    assert.equal(jarAt({ httpPrefixes: false }).jar.setCookie("__Http-a=1", SHOP).type, "stored");
  });

  test("nameless cookies are sent as their bare value and may not fake a prefix", () => {
    const { jar } = jarAt();
    jar.setCookie("justvalue", SHOP);
    assert.equal(jar.getCookieHeader(SHOP), "justvalue");
    assert.equal(rejection(jar.setCookie("=__Host-x=1; Secure; Path=/", SHOP)), "nameless-prefix");
    assert.equal(rejection(jar.setCookie("__secure-x=1; Secure", SHOP)) ?? "stored", "stored");
  });
});

describe("CookieJar storage: lifetimes, overwrites, order", () => {
  test("Max-Age and Expires, Max-Age winning, both capped at 400 days", () => {
    const { jar, tick } = jarAt();
    const far = new Date(T0 + 1000 * DAY).toUTCString();
    jar.setCookie(`long=1; Expires=${far}`, SHOP);
    jar.setCookie("longer=1; Max-Age=999999999", SHOP);
    jar.setCookie(`both=1; Expires=${far}; Max-Age=60`, SHOP);
    const exp = Object.fromEntries(jar.all().map((c) => [c.name, c.expires]));
    assert.deepEqual(exp, { long: T0 + 400 * DAY, longer: T0 + 400 * DAY, both: T0 + 60_000 });
    tick(60_000);
    assert.equal(jar.getCookieHeader(SHOP), "long=1; longer=1");
    tick(400 * DAY);
    assert.equal(jar.getCookieHeader(SHOP), "");
    assert.equal(jar.size, 0, "expired cookies are removed when met");
  });

  test("Max-Age=0, a negative Max-Age or a past Expires deletes", () => {
    const { jar } = jarAt();
    for (const line of ["a=1", "b=1", "c=1"]) jar.setCookie(line, SHOP);
    assert.deepEqual(jar.setCookie("a=; Max-Age=0", SHOP), {
      type: "deleted",
      name: "a",
      removed: true,
    });
    jar.setCookie("b=; Max-Age=-1", SHOP);
    jar.setCookie("c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", SHOP);
    assert.deepEqual(jar.setCookie("z=; Max-Age=0", SHOP), {
      type: "deleted",
      name: "z",
      removed: false,
    });
    assert.equal(jar.size, 0);
  });

  test("an overwrite keeps the creation time, so the order does not change", () => {
    const { jar, tick } = jarAt();
    jar.setCookie("a=1", SHOP);
    tick(1000);
    jar.setCookie("b=1", SHOP);
    tick(1000);
    const r = jar.setCookie("a=2", SHOP);
    assert.equal(r.type === "stored" && r.replaced && r.cookie.creationTime, T0);
    assert.equal(jar.getCookieHeader(SHOP), "a=2; b=1");
  });

  test("longer paths first, then earlier creation", () => {
    const { jar, tick } = jarAt();
    jar.setCookie("root=1; Path=/", SHOP);
    tick(1);
    jar.setCookie("deep=1; Path=/a/b", SHOP);
    jar.setCookie("mid=1; Path=/a", SHOP);
    jar.setCookie("mid2=1; Path=/a", SHOP);
    assert.equal(
      jar.getCookieHeader("https://www.shop.test/a/b/c"),
      "deep=1; mid=1; mid2=1; root=1",
    );
  });

  test("host-only and Domain cookies of one name are two cookies", () => {
    const { jar } = jarAt();
    jar.setCookie("a=host", SHOP);
    jar.setCookie("a=dom; Domain=www.shop.test", SHOP);
    assert.equal(jar.getCookieHeader(SHOP), "a=host; a=dom");
  });

  test("endSession drops session cookies only", () => {
    const { jar } = jarAt();
    jar.setCookie("s=1", SHOP);
    jar.setCookie("p=1; Max-Age=60", SHOP);
    jar.endSession();
    assert.equal(jar.getCookieHeader(SHOP), "p=1");
  });
});

describe("CookieJar SameSite: the jar decides from the context", () => {
  function sameSiteJar(options: CookieJarOptions = {}): CookieJar {
    const { jar } = jarAt(options);
    for (const line of [
      "strict=1; SameSite=Strict",
      "lax=1; SameSite=Lax",
      "none=1; SameSite=None; Secure",
      "default=1",
    ]) {
      assert.equal(jar.setCookie(line, SHOP).type, "stored", line);
    }
    return jar;
  }

  const cases: [string, RequestContext, string][] = [
    ["address bar", {}, "strict=1; lax=1; none=1; default=1"],
    [
      "same-site link",
      { initiator: "https://blog.shop.test" },
      "strict=1; lax=1; none=1; default=1",
    ],
    ["cross-site link", { initiator: "https://mail.example" }, "lax=1; none=1; default=1"],
    ["cross-site form POST", { initiator: "https://evil.example", method: "POST" }, "none=1"],
    ["cross-site fetch", crossSub, "none=1"],
    [
      "same-site fetch",
      { type: "subresource", initiator: "https://api.shop.test" },
      "strict=1; lax=1; none=1; default=1",
    ],
    [
      "same-site iframe",
      { type: "frame", initiator: SHOP.slice(0, -1) },
      "strict=1; lax=1; none=1; default=1",
    ],
    ["iframe on another site", { type: "frame", initiator: "https://news.example" }, "none=1"],
    [
      "same-site frame under a cross-site ancestor",
      {
        type: "frame",
        frames: ["https://www.shop.test", "https://evil.example", "https://www.shop.test"],
      },
      "none=1",
    ],
    [
      "same-site request redirected through another site",
      { initiator: "https://www.shop.test", redirects: ["https://tracker.example/r"] },
      "lax=1; none=1; default=1",
    ],
    [
      "http and https are different sites",
      { initiator: "http://www.shop.test" },
      "lax=1; none=1; default=1",
    ],
  ];
  for (const [what, context, expected] of cases) {
    test(what, () => assert.equal(sameSiteJar().getCookieHeader(SHOP, context), expected));
  }

  test("the chromium profile sends a young cookie without SameSite on a cross-site POST (Lax-allowing-unsafe)", () => {
    let now = T0;
    const jar = new CookieJar({ profile: "chromium", clock: () => now });
    jar.setCookie("default=1", SHOP);
    const post: RequestContext = { initiator: "https://evil.example", method: "POST" };
    assert.equal(jar.getCookieHeader(SHOP, post), "default=1");
    now += 120_001;
    assert.equal(jar.getCookieHeader(SHOP, post), "");
    assert.equal(sameSiteJar().getCookieHeader(SHOP, post), "none=1");
  });

  test("defaultSameSite None sends cookies without SameSite everywhere", () => {
    assert.equal(
      sameSiteJar({ defaultSameSite: "None" }).getCookieHeader(SHOP, crossSub),
      "none=1; default=1",
    );
  });

  test("SameSite=None needs Secure; cross-site responses cannot set other SameSite cookies", () => {
    const { jar } = jarAt();
    assert.equal(rejection(jar.setCookie("a=1; SameSite=None", SHOP)), "samesite-none-insecure");
    assert.equal(
      rejection(jar.setCookie("a=1; SameSite=Lax", SHOP, crossSub)),
      "samesite-cross-site",
    );
    assert.equal(rejection(jar.setCookie("a=1", SHOP, crossSub)), "samesite-cross-site");
    assert.equal(jar.setCookie("a=1; SameSite=None; Secure", SHOP, crossSub).type, "stored");
    // A cross-site top-level navigation may set them: it lands on the site.
    assert.equal(
      jar.setCookie("b=1; SameSite=Strict", SHOP, { initiator: "https://evil.example" }).type,
      "stored",
    );
  });
});

describe("CookieJar: Partitioned (CHIPS) and third-party blocking", () => {
  const embedded = (top: string): RequestContext => ({ type: "subresource", initiator: top });

  test("chromium keys Partitioned cookies by the top-level site", () => {
    const { jar } = jarAt({ profile: "chromium" });
    const widget = "https://widget.example/w";
    assert.equal(
      jar.setCookie(
        "p=1; Secure; SameSite=None; Partitioned",
        widget,
        embedded("https://news.example"),
      ).type,
      "stored",
    );
    assert.equal(jar.getCookieHeader(widget, embedded("https://news.example")), "p=1");
    assert.equal(jar.getCookieHeader(widget, embedded("https://www.news.example")), "p=1");
    assert.equal(jar.getCookieHeader(widget, embedded("https://other.example")), "");
    assert.equal(jar.getCookieHeader(widget), "");
    assert.equal(
      rejection(jar.setCookie("q=1; SameSite=None; Partitioned", "http://widget.example/")),
      "samesite-none-insecure",
    );
    assert.equal(
      rejection(jar.setCookie("q=1; Partitioned", "http://widget.example/")),
      "partitioned-insecure",
    );
  });

  test("rfc6265bis ignores Partitioned", () => {
    const { jar } = jarAt();
    jar.setCookie(
      "p=1; Secure; SameSite=None; Partitioned",
      "https://widget.example/",
      embedded("https://news.example"),
    );
    assert.equal(jar.getCookieHeader("https://widget.example/"), "p=1");
  });

  test("blocking third-party cookies keeps partitioned ones and top-level navigations", () => {
    const { jar } = jarAt({ profile: "chromium", blockThirdPartyCookies: true });
    const widget = "https://widget.example/";
    assert.equal(
      rejection(
        jar.setCookie("t=1; Secure; SameSite=None", widget, embedded("https://news.example")),
      ),
      "third-party-blocked",
    );
    jar.setCookie("t=1; Secure; SameSite=None", widget);
    jar.setCookie(
      "p=1; Secure; SameSite=None; Partitioned",
      widget,
      embedded("https://news.example"),
    );
    assert.equal(jar.getCookieHeader(widget, embedded("https://news.example")), "p=1");
    assert.equal(jar.getCookieHeader(widget, { initiator: "https://news.example" }), "t=1");
  });
});

describe("CookieJar limits and eviction", () => {
  test("per registrable domain: the least recently used go first", () => {
    const { jar, tick } = jarAt({ maxCookiesPerDomain: 3, purgeCookiesPerDomainTo: 2 });
    for (const n of ["a", "b", "c"]) {
      jar.setCookie(`${n}=1`, SHOP);
      tick(1);
    }
    jar.getCookieHeader(SHOP); // touches a, b and c
    tick(1);
    jar.setCookie("other=1", "https://other.test/");
    jar.setCookie("d=1; Domain=shop.test", "https://api.shop.test/");
    assert.equal(jar.size, 3);
    assert.deepEqual(
      jar
        .all()
        .map((c) => c.name)
        .sort(),
      ["c", "d", "other"],
    );
  });

  test("in total, and non-secure before secure when the profile says so", () => {
    const { jar, tick } = jarAt({ maxCookies: 2, purgeCookiesTo: 2, evictNonSecureFirst: true });
    jar.setCookie("s=1; Secure", "https://a.test/");
    tick(1);
    jar.setCookie("n=1", "https://b.test/");
    tick(1);
    jar.setCookie("x=1; Secure", "https://c.test/");
    assert.deepEqual(
      jar.all().map((c) => c.name),
      ["s", "x"],
    );
  });

  test("the chromium profile holds 180 cookies per domain, then purges to 150", () => {
    const { jar } = jarAt({ profile: "chromium" });
    for (let i = 0; i < 181; i++) jar.setCookie(`c${i}=1`, SHOP);
    assert.equal(jar.size, 150);
    assert.equal(jar.all().at(-1)?.name, "c180");
  });

  test("bytes per cookie: name and value over 4096 bytes are refused", () => {
    const { jar } = jarAt();
    assert.equal(rejection(jar.setCookie(`a=${"x".repeat(4096)}`, SHOP)), "name-value-too-long");
    assert.equal(jar.setCookie(`a=${"x".repeat(4095 - 1)}`, SHOP).type, "stored");
  });
});

describe("CookieJar repeated lookups", () => {
  test("a repeated lookup follows every change, expiry and a clock that goes back", () => {
    let now = T0;
    const jar = new CookieJar({ clock: () => now });
    jar.setCookie("a=1; Max-Age=10", SHOP);
    assert.equal(jar.getCookieHeader(SHOP), "a=1");
    assert.equal(jar.getCookieHeader(SHOP), "a=1");
    jar.setCookie("b=2", SHOP);
    assert.equal(jar.getCookieHeader(SHOP), "a=1; b=2");
    jar.setCookie("a=3; Max-Age=10", SHOP);
    assert.equal(jar.getCookieHeader(SHOP), "a=3; b=2");
    now += 10_000;
    assert.equal(jar.getCookieHeader(SHOP), "b=2");
    assert.equal(jar.getCookieHeader(SHOP, { api: "script" }), "b=2");
    jar.setCookie("c=1; Max-Age=60", SHOP);
    assert.equal(jar.getCookieHeader(SHOP), "b=2; c=1");
    now -= 5000;
    jar.setCookie("d=1; Max-Age=60", "https://other.test/");
    assert.equal(jar.getCookieHeader(SHOP), "b=2; c=1");
    jar.clear();
    assert.equal(jar.getCookieHeader(SHOP), "");
  });

  test("every lookup updates the last-access time", () => {
    let now = T0;
    const jar = new CookieJar({
      clock: () => now,
      maxCookiesPerDomain: 2,
      purgeCookiesPerDomainTo: 2,
    });
    jar.setCookie("old=1", SHOP);
    now += 1;
    jar.setCookie("new=1", "https://api.shop.test/");
    now += 1;
    jar.getCookieHeader(SHOP);
    now += 1;
    jar.getCookieHeader(SHOP);
    assert.equal(jar.all().find((c) => c.name === "old")?.lastAccessTime, T0 + 3);
    jar.setCookie("third=1", "https://api.shop.test/");
    assert.deepEqual(
      jar
        .all()
        .map((c) => c.name)
        .sort(),
      ["old", "third"],
    );
  });
});

describe("CookieJar persistence, clock and errors", () => {
  test("toJSON / fromJSON keeps cookies, times and order", () => {
    const { jar, tick } = jarAt();
    jar.setCookie("a=1; Max-Age=60; Secure; HttpOnly; SameSite=Strict", SHOP);
    tick(5);
    jar.setCookie("b=2; Domain=shop.test; Path=/x", SHOP);
    const text = JSON.stringify(jar);
    const copy = CookieJar.fromJSON(text, { clock: () => T0 + 10 });
    assert.deepEqual(copy.toJSON(), JSON.parse(text));
    assert.equal(copy.getCookieHeader("https://www.shop.test/x"), "b=2; a=1");
  });

  test("fromJSON refuses what toJSON did not write, naming the field", () => {
    assert.throws(() => CookieJar.fromJSON("{"), { code: "ERR_JAR_JSON_INVALID" });
    assert.throws(() => CookieJar.fromJSON({ format: "x", cookies: [] }), {
      code: "ERR_JAR_JSON_INVALID",
    });
    assert.throws(
      () =>
        CookieJar.fromJSON({
          format: "sessionjar-jar/1",
          profile: "rfc6265bis",
          cookies: [{ name: "a" }],
        }),
      (e: unknown) =>
        e instanceof JarError &&
        e.code === "ERR_JAR_JSON_INVALID" &&
        /cookie 0: sameSite is missing/.test(e.message),
    );
  });

  test("URLs and contexts no browser could produce are typed errors; bad headers are results", () => {
    const { jar } = jarAt();
    assert.throws(() => jar.getCookieHeader("/relative"), { code: "ERR_JAR_URL_INVALID" });
    assert.throws(() => jar.setCookie("a=1", "file:///etc/passwd"), {
      code: "ERR_JAR_URL_INVALID",
    });
    assert.throws(() => jar.getCookieHeader(SHOP, { initiator: "evil" }), {
      code: "ERR_JAR_CONTEXT_INVALID",
    });
    assert.throws(() => jar.getCookieHeader(SHOP, { type: "iframe" as "frame" }), {
      code: "ERR_JAR_CONTEXT_INVALID",
    });
    assert.throws(
      () => jar.getCookieHeader(SHOP, { method: "PO ST" }),
      (e) => e instanceof SessionjarError,
    );
    assert.throws(() => new CookieJar({ profile: "firefox" as "chromium" }), {
      code: "ERR_JAR_PROFILE_INVALID",
    });
    assert.throws(() => new CookieJar({ maxCookies: -1 }), { code: "ERR_JAR_PROFILE_INVALID" });
    for (const bad of ["a=1\u0000", "=", "", `a=${"x".repeat(5000)}`, 42 as unknown as string]) {
      assert.equal(jar.setCookie(bad, SHOP).type, "rejected");
    }
    assert.equal(jar.size, 0);
  });
});

function rejection(r: ReturnType<CookieJar["setCookie"]>): string | undefined {
  return r.type === "rejected" ? r.reason : undefined;
}
