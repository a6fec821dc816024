// The browser differential: generated scenarios (cookie attributes × request contexts) played
// in real Chromium and replayed in the jar's chromium profile, which must send exactly the
// Cookie header Chromium sent. Each scenario runs in a fresh browser context: cookies are set
// by a top-level navigation the user makes (or from the scenario's own URL), then one request
// is made the way the context says (address bar, link, form POST, iframe, nested frames, fetch,
// img, redirect, http), and the server records the Cookie header it carried.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import type { RequestContext } from "../../src/jar/index.js";
import { type ProfileOptions, parseScenarios, replayScenario } from "../../src/jar/index.js";
import {
  type BrowserHarness,
  policiesUnavailable,
  startBrowserHarness,
  withTimeout,
} from "./harness.js";

const HOSTS = [
  "www.shop.test",
  "api.shop.test",
  "evil.example",
  "news.example",
  "alice.github.io",
  "bob.github.io",
];
const TEST_TIMEOUT_MS = 60_000;

/** Cookie headers received, by request id. */
const received = new Map<string, string>();
/** HTML of generated pages, by page id. */
const pages = new Map<string, string>();
let nextId = 0;
const GIF = Buffer.from("R0lGODlhAQABAAAAACwAAAAAAQABAAA=", "base64");

function respond(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "https://x");
  const [, kind, id] = url.pathname.split("/");
  if (kind === "set") {
    res
      .writeHead(200, { "content-type": "text/html", "set-cookie": url.searchParams.getAll("c") })
      .end("set");
  } else if (kind === "r") {
    res.writeHead(302, { location: url.searchParams.get("to") ?? "/" }).end();
  } else if (kind === "t" && id !== undefined) {
    received.set(id, req.headers.cookie ?? "");
    if (url.searchParams.has("img")) res.writeHead(200, { "content-type": "image/gif" }).end(GIF);
    else res.writeHead(200, { "content-type": "text/html" }).end("target");
  } else if (kind === "p" && id !== undefined && pages.has(id)) {
    res.writeHead(200, { "content-type": "text/html" }).end(pages.get(id));
  } else {
    res.writeHead(404).end();
  }
}

/** Reads the body first (a form POST's), then answers. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.once("end", () => respond(req, res));
}

/** How the request of a scenario is made: its jar context, and how to make it in Chromium. */
interface Action {
  readonly name: string;
  /** The jar context for a request to `target`. */
  context(target: string): RequestContext;
  /** A top-level navigation: it may go to an http URL from an https page (forms, frames and subresources may not: mixed content). */
  readonly navigation?: true;
  /** Makes the request in `page`. */
  run(page: Page, target: string): Promise<void>;
}

interface Env {
  https(host: string, path?: string): string;
  http(host: string, path?: string): string;
  origin(host: string): string;
  page(host: string, html: string, scheme?: "https" | "http"): string;
}

function actions(env: Env): Action[] {
  const from = (host: string, scheme: "https" | "http" = "https") =>
    scheme === "https" ? env.origin(host) : env.http(host, "").replace(/\/$/, "");
  const link = (host: string, scheme: "https" | "http" = "https"): Action => ({
    name: `link from ${scheme}://${host}`,
    navigation: true,
    context: () => ({ initiator: from(host, scheme) }),
    run: async (page, target) => {
      await page.goto(env.page(host, `<a id="go" href="${target}">go</a>`, scheme));
      await Promise.all([page.waitForURL((u) => u.href === target), page.click("#go")]);
    },
  });
  const embed = (what: "iframe" | "fetch" | "img", host: string): Action => ({
    name: `${what} on a page of ${host}`,
    context: () => ({
      type: what === "iframe" ? "frame" : "subresource",
      initiator: env.origin(host),
    }),
    run: async (page, target) => {
      const html =
        what === "iframe"
          ? `<iframe src="${target}"></iframe>`
          : what === "img"
            ? `<img src="${target}?img=1">`
            : `<script>fetch(${JSON.stringify(target)}, { credentials: "include", mode: "no-cors" })</script>`;
      await page.goto(env.page(host, html));
    },
  });
  const post = (host: string): Action => ({
    name: `form POST from ${host}`,
    context: () => ({ initiator: env.origin(host), method: "POST" }),
    run: async (page, target) => {
      const form = `<form method="POST" action="${target}"><button id="go">go</button></form>`;
      await page.goto(env.page(host, form));
      await Promise.all([page.waitForURL((u) => u.href === target), page.click("#go")]);
    },
  });
  return [
    {
      name: "address bar",
      navigation: true,
      context: () => ({}),
      run: async (page, target) => void (await page.goto(target)),
    },
    link("api.shop.test"),
    link("evil.example"),
    link("www.shop.test", "http"),
    post("evil.example"),
    post("api.shop.test"),
    embed("iframe", "www.shop.test"),
    embed("iframe", "evil.example"),
    embed("fetch", "www.shop.test"),
    embed("fetch", "evil.example"),
    embed("img", "api.shop.test"),
    embed("img", "evil.example"),
    {
      name: "iframe of www.shop.test inside a frame of evil.example on www.shop.test",
      context: () => ({
        type: "frame",
        frames: [env.origin("www.shop.test"), env.origin("evil.example")],
        initiator: env.origin("evil.example"),
      }),
      run: async (page, target) => {
        const inner = env.page("evil.example", `<iframe src="${target}"></iframe>`);
        await page.goto(env.page("www.shop.test", `<iframe src="${inner}"></iframe>`));
      },
    },
    {
      name: "link from www.shop.test redirected through evil.example",
      navigation: true,
      context: (target) => ({
        initiator: env.origin("www.shop.test"),
        redirects: [`${env.https("evil.example", "/r")}?to=${encodeURIComponent(target)}`],
      }),
      run: async (page, target) => {
        const via = `${env.https("evil.example", "/r")}?to=${encodeURIComponent(target)}`;
        await page.goto(env.page("www.shop.test", `<a id="go" href="${via}">go</a>`));
        await Promise.all([page.waitForURL((u) => u.href === target), page.click("#go")]);
      },
    },
  ];
}

/** Sets of cookies, each set by a top-level navigation to `from`, and the hosts to request. */
interface CookieSet {
  name: string;
  from: string;
  headers: string[];
  targets: string[];
  /** Set from an iframe on a page of this host instead of by a top-level navigation. */
  framedBy?: string;
  /** Only these actions (by name); default all. */
  only?: readonly string[];
}

function cookieSets(env: Env): CookieSet[] {
  return [
    {
      name: "SameSite modes, host-only and Domain",
      from: env.https("www.shop.test", "/set"),
      headers: [
        "strict=1; SameSite=Strict; Secure; Path=/",
        "lax=1; SameSite=Lax; Path=/",
        "none=1; SameSite=None; Secure; Path=/",
        "unset=1; Path=/",
        "dlax=1; Domain=shop.test; SameSite=Lax; Path=/",
        "dnone=1; Domain=shop.test; SameSite=None; Secure; Path=/",
      ],
      targets: ["www.shop.test", "api.shop.test", "http:www.shop.test"],
    },
    {
      name: "public suffix hosts",
      from: env.https("alice.github.io", "/set"),
      headers: [
        "wide=1; Domain=github.io; Path=/",
        "own=1; Domain=alice.github.io; SameSite=None; Secure; Path=/",
        "__Host-h=1; Secure; Path=/",
        "__host-bad=1; Secure; Path=/; Domain=alice.github.io",
      ],
      targets: ["alice.github.io", "bob.github.io"],
    },
    {
      name: "set over http",
      from: env.http("www.shop.test", "/set"),
      headers: [
        "plain=1; Path=/",
        "sec=1; Secure; Path=/",
        "__Secure-x=1; Secure; Path=/",
        "nameless",
      ],
      targets: ["http:www.shop.test", "www.shop.test"],
    },
    {
      name: "Secure from http://localhost",
      from: env.http("localhost", "/set"),
      headers: ["sec=1; Secure; Path=/", "__Secure-l=1; Secure; Path=/", "plain=1; Path=/"],
      targets: ["http:localhost"],
      only: ["address bar"],
    },
    {
      name: "181 cookies for one domain",
      from: env.https("www.shop.test", "/set"),
      headers: Array.from({ length: 181 }, (_, i) => `c${i}=${i}; Path=/`),
      targets: ["www.shop.test"],
      only: ["address bar"],
    },
    {
      name: "Partitioned, set in a frame under evil.example",
      from: env.https("www.shop.test", "/set"),
      framedBy: "evil.example",
      headers: [
        "part=1; Secure; SameSite=None; Partitioned; Path=/",
        "unpart=1; Secure; SameSite=None; Path=/",
      ],
      targets: ["www.shop.test"],
      only: [
        "address bar",
        "iframe on a page of evil.example",
        "iframe on a page of www.shop.test",
        "img on a page of evil.example",
      ],
    },
  ];
}

interface Outcome {
  /** The scenario with Chromium's Cookie header as its expectation. */
  recorded: unknown;
  scenario: string;
  chromium: string;
  jar: string;
}

async function runDifferential(
  h: BrowserHarness,
  httpPort: number,
  overrides: Partial<ProfileOptions>,
): Promise<Outcome[]> {
  const env: Env = {
    https: (host, path = "/") => h.url(host, path),
    http: (host, path = "/") => `http://${host}:${httpPort}${path}`,
    origin: (host) => h.origin(host),
    page(host, html, scheme = "https") {
      const id = String(nextId++);
      pages.set(id, `<!doctype html><meta charset="utf-8">${html}`);
      return scheme === "https" ? h.url(host, `/p/${id}`) : `http://${host}:${httpPort}/p/${id}`;
    },
  };
  const out: Outcome[] = [];
  for (const set of cookieSets(env)) {
    for (const targetSpec of set.targets) {
      for (const action of actions(env)) {
        if (targetSpec.startsWith("http:") && action.navigation !== true) continue;
        if (set.only !== undefined && !set.only.includes(action.name)) continue;
        const id = String(nextId++);
        const target = targetSpec.startsWith("http:")
          ? env.http(targetSpec.slice(5), `/t/${id}`)
          : env.https(targetSpec, `/t/${id}`);
        const name = `${set.name} → ${targetSpec}: ${action.name}`;
        const context = await h.newContext();
        try {
          const page = await context.newPage();
          const setUrl = `${set.from}?${set.headers.map((c) => `c=${encodeURIComponent(c)}`).join("&")}`;
          const framedBy = set.framedBy;
          await page.goto(
            framedBy === undefined
              ? setUrl
              : env.page(framedBy, `<iframe src="${setUrl}"></iframe>`),
          );
          await action.run(page, target);
          await withTimeout(`${name}: the request to the target`, 10_000, waitFor(id));
        } finally {
          await context.close();
        }
        const scenario = {
          format: "jar-scenario/1",
          name,
          profile: "chromium",
          steps: [
            {
              op: "set",
              url: `${set.from}?x`,
              headers: set.headers,
              ...(set.framedBy === undefined
                ? {}
                : { context: { type: "frame", initiator: env.origin(set.framedBy) } }),
            },
            { op: "get", url: target, context: action.context(target), expect: received.get(id) },
          ],
        };
        const [parsed] = parseScenarios(JSON.stringify(scenario));
        const report = replayScenario(parsed as NonNullable<typeof parsed>, overrides);
        out.push({
          recorded: scenario,
          scenario: name,
          chromium: received.get(id) ?? "(none)",
          jar: report.gets[0]?.sent ?? "(none)",
        });
      }
    }
  }
  return out;
}

async function waitFor(id: string): Promise<void> {
  while (!received.has(id)) await new Promise((r) => setTimeout(r, 20));
}

let http: Server;
let httpPort: number;

before(async () => {
  http = createServer(handle);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpPort = (http.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => http.close(() => resolve())));

const handlers = Object.fromEntries(HOSTS.map((host) => [host, handle]));

interface DifferentialRun {
  label: string;
  extraArgs: readonly string[];
  policies?: Readonly<Record<string, unknown>>;
  /** The `chromium` profile's third-party option this run is compared with. */
  blockThirdPartyCookies: boolean;
}

// Debian's Chromium blocks third-party cookies by default, and no switch or preference lifts it
// (see docs/jar.md): its default and the switch that forces blocking are compared with the
// profile's blocking option. The machine-wide BlockThirdPartyCookies policy does lift it, which
// is how Chrome ships, and the profile's own default.
const RUNS: readonly DifferentialRun[] = [
  { label: "Debian's default", extraArgs: [], blockThirdPartyCookies: true },
  {
    label: "--test-third-party-cookie-phaseout",
    extraArgs: ["--test-third-party-cookie-phaseout"],
    blockThirdPartyCookies: true,
  },
  {
    label: "third-party cookies allowed (BlockThirdPartyCookies policy false)",
    extraArgs: [],
    policies: { BlockThirdPartyCookies: false },
    blockThirdPartyCookies: false,
  },
];

for (const run of RUNS) {
  // Policies are files only root may write: elsewhere that run says why and does not start.
  const skip = run.policies === undefined ? undefined : policiesUnavailable();
  describe(`jar differential against Chromium: ${run.label}`, {
    timeout: TEST_TIMEOUT_MS * 4,
    ...(skip === undefined ? {} : { skip }),
  }, () => {
    let h: BrowserHarness;
    before(async () => {
      h = await startBrowserHarness({
        hosts: handlers,
        extraArgs: run.extraArgs,
        ...(run.policies === undefined ? {} : { policies: run.policies }),
      });
    });
    after(() => h.close());

    test("the chromium profile sends exactly what Chromium sends", {
      timeout: TEST_TIMEOUT_MS * 3,
    }, async (t) => {
      const outcomes = await runDifferential(h, httpPort, {
        blockThirdPartyCookies: run.blockThirdPartyCookies,
      });
      // JAR_DIFFERENTIAL_OUT=file.json keeps what Chromium did as a scenario file for `jar run`.
      const keep = process.env.JAR_DIFFERENTIAL_OUT;
      if (keep !== undefined && keep !== "") {
        writeFileSync(
          keep,
          `${JSON.stringify(
            outcomes.map((o) => o.recorded),
            null,
            1,
          )}\n`,
        );
      }
      const differ = outcomes
        .filter((o) => o.chromium !== o.jar)
        .map(({ scenario, chromium, jar }) => ({ scenario, chromium, jar }));
      t.diagnostic(`${outcomes.length - differ.length}/${outcomes.length} scenarios agree`);
      assert.deepEqual(differ, []);
    });
  });
}
