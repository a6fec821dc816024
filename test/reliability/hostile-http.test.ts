// Hostile requests over real sockets against every adapter: 16 KB and 1 MB headers, thousands of
// cookies, NUL/CR/LF, invalid UTF-8, duplicate session cookies, truncated and tampered tokens,
// IDNA hosts, dot-dot paths, garbage request lines. Each gets a 4xx with a JSON code, never a 5xx
// or a hang; nothing stored is written; the server's memory stays bounded.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createSessions } from "../../src/session/index.js";
import { memoryStore } from "../../src/stores/index.js";
import { Browser, CountingStore, type RunningServer } from "../sessions/behaviour.js";
import { ADAPTERS } from "../sessions/servers.js";
import { SOAK } from "./soak.js";

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** Sends raw bytes and reads the whole answer; a server that does not answer in 10 s fails. */
function raw(origin: string, request: Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error("no answer within 10 s: the server hangs"));
    });
    socket.on("data", (c) => chunks.push(c));
    // The server may answer and close before it has read everything we send.
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "ECONNRESET") reject(e);
    });
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? "0");
      resolve({ status, head, body: split === -1 ? "" : text.slice(split + 4) });
    });
    // Written, not ended: a half-closed connection may be dropped before an async answer.
    // Every request says Connection: close, so the server closes once it has answered.
    socket.write(request);
  });
}

function request(lines: readonly (string | Buffer)[]): Buffer {
  return Buffer.concat([
    ...lines.map((l) =>
      Buffer.concat([typeof l === "string" ? Buffer.from(l, "latin1") : l, Buffer.from("\r\n")]),
    ),
    Buffer.from("\r\n"),
  ]);
}

const get = (path: string, ...headers: (string | Buffer)[]): Buffer =>
  request([`GET ${path} HTTP/1.1`, "Host: localhost", "Connection: close", ...headers]);

/** The JSON error code of an answer, or undefined. Chunked bodies are unwrapped first. */
function codeOf(a: RawAnswer): string | undefined {
  let body = a.body;
  if (/transfer-encoding: chunked/i.test(a.head)) {
    let out = "";
    for (let rest = body; ; ) {
      const eol = rest.indexOf("\r\n");
      const size = Number.parseInt(rest.slice(0, eol), 16);
      if (!(size > 0)) break;
      out += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 2 + size + 2);
    }
    body = out;
  }
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed;
}

const FLOODS = SOAK ? 200 : 10;

for (const [name, start] of Object.entries(ADAPTERS)) {
  describe(`hostile requests over real sockets: ${name}`, () => {
    let server: RunningServer;
    let store: CountingStore;
    let token: string;

    before(async () => {
      store = new CountingStore(memoryStore());
      server = await start(createSessions({ store, insecureLocalhost: true }));
      const b = new Browser(server.origin);
      await b.json("POST", "/login?user=target");
      token = b.cookie as string;
      store.reset();
    });
    after(async () => {
      await server.close();
      await store.inner.close?.();
    });

    // What each case must get. An encoded dot-dot path is /me once the URL parser resolves it
    // (401), or a route of its own where the framework does not resolve it (Express: 404). Node
    // takes raw UTF-8 in a Host as opaque bytes (401, no session); a Web Request cannot hold it
    // (400 from the Hono server glue).
    const cases: [string, () => Buffer, number | readonly number[]][] = [
      ["a 16 KB Cookie header", () => get("/me", `Cookie: a=${"x".repeat(16 * 1024)}`), 431],
      ["a 1 MB header", () => get("/me", `X-Big: ${"y".repeat(1024 * 1024)}`), 431],
      [
        // Short names, so that thousands fit under Node's 16 KB header limit.
        "2,400 cookies",
        () =>
          get(
            "/me",
            `Cookie: ${Array.from({ length: 2400 }, (_, i) => `${i.toString(36)}=1`).join(";")}`,
          ),
        401,
      ],
      [
        "a NUL in the Cookie header",
        () => get("/me", Buffer.from("Cookie: __Host-session=a\u0000b", "latin1")),
        400,
      ],
      [
        "a bare CR inside a header",
        () => get("/me", Buffer.from("Cookie: a=b\rX-Injected: 1", "latin1")),
        400,
      ],
      [
        "a bare LF inside a header",
        () => get("/me", Buffer.from("X-A: b\nX-Injected: 1", "latin1")),
        400,
      ],
      [
        "invalid UTF-8 in the session cookie",
        () =>
          get(
            "/me",
            Buffer.concat([
              Buffer.from("Cookie: __Host-session="),
              Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]),
            ]),
          ),
        401,
      ],
      [
        "the session cookie twice",
        () => get("/me", `Cookie: __Host-session=${token}; __Host-session=${token}`),
        401,
      ],
      ["a truncated token", () => get("/me", `Cookie: __Host-session=${token.slice(0, 30)}`), 401],
      [
        "a tampered token",
        () =>
          get(
            "/me",
            `Cookie: __Host-session=${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`,
          ),
        401,
      ],
      ["a dot-dot path", () => get("/../../etc/passwd"), 404],
      ["an encoded dot-dot path", () => get("/%2e%2e/%2e%2e/me"), [401, 404]],
      [
        "an IDNA Host",
        () => request(["GET /me HTTP/1.1", "Host: xn--bcher-kva.example", "Connection: close"]),
        401,
      ],
      [
        "raw UTF-8 in the Host",
        () =>
          request([
            Buffer.from("GET /me HTTP/1.1"),
            Buffer.from("Host: bücher.example"),
            Buffer.from("Connection: close"),
          ]),
        [400, 401],
      ],
      [
        // Valid headers, so a handler may already run when the body turns out malformed.
        "a malformed chunked body",
        () =>
          Buffer.from(
            "GET /me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "latin1",
          ),
        400,
      ],
      [
        "a garbage request line",
        () => Buffer.from("\u0016\u0003\u0001 nonsense\r\n\r\n", "latin1"),
        400,
      ],
    ];

    for (const [what, bytes, expected] of cases) {
      test(`${what}: ${[expected].flat().join(" or ")} with a code, nothing written`, async () => {
        const a = await raw(server.origin, bytes());
        assert.ok(a.status >= 400 && a.status < 500, `${what}: status ${a.status}\n${a.head}`);
        assert.ok([expected].flat().includes(a.status), `${what}: status ${a.status}\n${a.head}`);
        assert.ok(
          codeOf(a) !== undefined,
          `${what}: no JSON error code in ${a.body.slice(0, 200)}`,
        );
        assert.equal(store.writes, 0, `${what} wrote to the store: ${JSON.stringify(store.calls)}`);
      });
    }

    test(`${FLOODS} × 1 MB of headers leave the server's memory bounded`, async () => {
      const before = heapAfterGc();
      const answers = await Promise.all(
        Array.from({ length: FLOODS }, () =>
          raw(server.origin, get("/me", `X-Big: ${"z".repeat(1024 * 1024)}`)),
        ),
      );
      for (const a of answers) assert.equal(a.status, 431);
      const grown = heapAfterGc() - before;
      console.log(
        `hostile http[${name}]: ${FLOODS} × 1 MB headers, heap grew ${(grown / 1e6).toFixed(1)} MB`,
      );
      // Node stops reading a header at maxHeaderSize (16 KB): megabytes per request would show here.
      assert.ok(grown < FLOODS * 1024 * 1024 * 0.5);
    });

    test("the session still works afterwards, unchanged", async () => {
      const b = new Browser(server.origin);
      b.cookie = token;
      const me = await b.json("GET", "/me");
      assert.equal(me.status, 200);
      assert.equal(me.body.userId, "target");
    });
  });
}
