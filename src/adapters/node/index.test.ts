import assert from "node:assert/strict";
import { createServer, ServerResponse } from "node:http";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { closeServer, listen } from "../../../test/servers.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startNode } from "../../../test/sessions/servers.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { commitBeforeResponse, nodeSessionRequest, withSessions } from "./index.js";

testAdapter("node http", startNode);

/** The raw bytes of the answer to GET `path`, head as Node wrote it. */
function rawGet(url: string, path: string, cookie = ""): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const c = cookie === "" ? "" : `Cookie: ${cookie}\r\n`;
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n${c}Connection: close\r\n\r\n`);
    });
    let out = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      out += d;
    });
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
  });
}

describe("the response hold", () => {
  const sessions = createSessions({ store: memoryStore(), insecureLocalhost: true });

  it("keeps writeHead's reason phrase and raw header list, and adds the session's headers", async () => {
    const server = createServer(
      withSessions(
        sessions,
        async (_req, res, session) => {
          session.set("seen", true);
          res.writeHead(201, "Made", ["x-one", "1", "x-two", "2"]);
          res.end("ok");
        },
        { csrf: false },
      ),
    );
    const url = await listen(server);
    try {
      const r = await fetch(url);
      assert.equal(r.status, 201);
      assert.equal(r.statusText, "Made");
      assert.equal(r.headers.get("x-one"), "1");
      assert.equal(r.headers.get("x-two"), "2");
      assert.match(r.headers.get("set-cookie") ?? "", /^__Host-session=/);
      assert.equal(r.headers.get("cache-control"), "no-store");
      assert.equal(await r.text(), "ok");
    } finally {
      await closeServer(server);
    }
  });

  it("merges the session's headers into writeHead's, in one head, as Node would write it", async () => {
    // One headers object for every response, as handlers keep constants: it must stay as it is.
    const shared = Object.freeze({ "Content-Type": "text/plain", Vary: "Accept-Encoding" });
    const server = createServer(
      withSessions(
        sessions,
        async (req, res, session) => {
          if (req.method === "POST") {
            await session.signIn("user-1");
            res.writeHead(204).end();
            return;
          }
          const user = session.userId;
          if (req.url === "/shared") res.writeHead(200, shared).end(user);
          else if (req.url === "/no-store")
            res.writeHead(200, { "Cache-Control": "no-store" }).end();
          else if (req.url === "/later") {
            res.writeHead(200, { "x-a": "head", "x-b": "head" });
            res.setHeader("x-b", "later");
            res.end();
          } else if (req.url === "/third") res.writeHead(202, undefined, { "x-c": "1" }).end();
          else res.writeHead(203, {}).end(String(res.statusCode));
        },
        { csrf: false },
      ),
    );
    const url = await listen(server);
    try {
      const login = await fetch(url, { method: "POST" });
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const get = (path: string): Promise<Response> =>
        fetch(new URL(path, url), { headers: { cookie } });
      for (let i = 0; i < 2; i++) {
        const r = await get("/shared");
        assert.equal(await r.text(), "user-1");
        assert.equal(r.headers.get("content-type"), "text/plain");
        assert.equal(r.headers.get("vary"), "Accept-Encoding, Cookie");
        assert.equal(r.headers.get("cache-control"), "private");
      }
      assert.deepEqual(shared, { "Content-Type": "text/plain", Vary: "Accept-Encoding" });
      // The handler's no-store covers the session's private: one Cache-Control, not two.
      assert.equal((await get("/no-store")).headers.get("cache-control"), "no-store");
      const later = await get("/later");
      assert.equal(later.headers.get("x-a"), "head");
      assert.equal(later.headers.get("x-b"), "later");
      assert.equal(later.headers.get("vary"), "Cookie");
      const third = await get("/third");
      assert.equal(third.status, 202);
      assert.equal(third.headers.get("x-c"), "1");
      const status = await get("/status");
      assert.equal(status.status, 203);
      assert.equal(await status.text(), "203");
    } finally {
      await closeServer(server);
    }
  });

  it("writes writeHead's headers, their names as given, and the session's in one head framed by Content-Length", async () => {
    const server = createServer(
      withSessions(
        sessions,
        async (req, res, session) => {
          if (req.url === "/login") await session.signIn("user-1");
          else assert.equal(session.userId, "user-1");
          res.writeHead(200, "Fine", { "Content-Type": "text/plain", VARY: "Accept" }).end("body");
        },
        { csrf: false },
      ),
    );
    const url = await listen(server);
    try {
      let cookie = "";
      for (const path of ["/login", "/me"]) {
        const head = (await rawGet(url, path, cookie)).split("\r\n\r\n")[0] as string;
        const lines = head.split("\r\n");
        assert.equal(lines[0], "HTTP/1.1 200 Fine");
        assert.ok(lines.includes("Content-Type: text/plain"), head);
        assert.ok(lines.includes("VARY: Accept, Cookie"), head);
        assert.ok(lines.includes("Content-Length: 4"), head);
        assert.ok(!/transfer-encoding/i.test(head), head);
        const cache = path === "/login" ? "no-store" : "private";
        assert.ok(lines.includes(`cache-control: ${cache}`), head);
        const set = lines.filter((l) => /^set-cookie:/i.test(l));
        assert.equal(set.length, path === "/login" ? 1 : 0, head);
        if (path === "/login") cookie = (set[0] as string).slice(12).split(";")[0] as string;
      }
    } finally {
      await closeServer(server);
    }
  });

  it("refuses a second session on one response", async () => {
    const server = createServer(async (req, res) => {
      const first = await sessions.load(nodeSessionRequest(req));
      commitBeforeResponse(res, first);
      let error: unknown;
      try {
        commitBeforeResponse(res, await sessions.load(nodeSessionRequest(req)));
      } catch (e) {
        error = e;
      }
      res.end(error instanceof TypeError ? error.message : "no error");
    });
    const url = await listen(server);
    try {
      assert.match(await (await fetch(url)).text(), /already holds a session/);
    } finally {
      await closeServer(server);
    }
  });
});

describe("the response hold, under a framework that swaps the response's prototype", () => {
  const sessions = createSessions({ store: memoryStore(), insecureLocalhost: true });

  // As Express does: every response gets a prototype of the framework's, above Node's; and, as
  // compression-style middleware does, a wrapper of `end` on the response before the session
  // loads, which keeps the `end` it found.
  function frameworkServer(): ReturnType<typeof createServer> {
    const base = Object.create(ServerResponse.prototype) as ServerResponse;
    const app = Object.create(base) as ServerResponse;
    return createServer(async (req, res) => {
      Object.setPrototypeOf(res, app);
      const wrapped = res.end;
      res.end = function (this: ServerResponse, ...args: unknown[]) {
        this.setHeader("x-wrapped", "yes");
        return (wrapped as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as typeof res.end;
      const session = await sessions.load(nodeSessionRequest(req));
      commitBeforeResponse(res, session);
      await session.signIn("u");
      res.end(JSON.stringify(["writeHead", "write", "end"].filter((m) => Object.hasOwn(res, m))));
    });
  }

  it("holds the first response and every later one, through the wrapper", async () => {
    const server = frameworkServer();
    const url = await listen(server);
    try {
      const owns: string[][] = [];
      for (let i = 0; i < 3; i++) {
        const r = await fetch(url);
        assert.equal(r.status, 200);
        assert.match(r.headers.get("set-cookie") ?? "", /^__Host-session=/);
        assert.equal(r.headers.get("cache-control"), "no-store");
        assert.equal(r.headers.get("x-wrapped"), "yes");
        owns.push((await r.json()) as string[]);
      }
      // Only the wrapped `end` is the response's own once the framework's base holds sessions;
      // before that (the first request) the hold's three methods were its own too.
      assert.deepEqual(owns, [["writeHead", "write", "end"], ["end"], ["end"]]);
    } finally {
      await closeServer(server);
    }
  });
});
