// The shop's pages: plain HTML, one stylesheet, a little script where a page talks to the API.
import type { SessionInfo } from "sessionjar/session";
import type { CartItem, Order, User } from "./data.js";

/** Escapes text for HTML content and quoted attributes. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #f4f1ec; }
  body { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  header { display: flex; justify-content: space-between; align-items: baseline; }
  header > a { color: inherit; text-decoration: none; font-weight: 700; font-size: 1.3rem; }
  button, td.when { white-space: nowrap; }
  .card { background: #fff; border-radius: .6rem; padding: 1.2rem 1.4rem; margin: 1rem 0;
          box-shadow: 0 1px 3px #0002; }
  h1 { font-size: 1.4rem; margin: 0 0 .8rem; } h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
  label { display: block; margin: .6rem 0 .2rem; font-size: .9rem; }
  input[type=email], input[type=password], input[type=text] {
    width: 100%; box-sizing: border-box; padding: .5rem; border: 1px solid #bbb; border-radius: .3rem; }
  button { background: #2f5d50; color: #fff; border: 0; border-radius: .3rem; padding: .45rem .9rem;
           cursor: pointer; font-size: .9rem; }
  button.quiet { background: #e7e2da; color: #1d2430; }
  button.danger { background: #a33a2c; }
  form.inline { display: inline; margin: 0; }
  table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: .35rem .2rem; }
  tr + tr td { border-top: 1px solid #eee; }
  .muted { color: #6b7280; font-size: .85rem; } .error { color: #a33a2c; }
  .ok { color: #2f5d50; } .tag { background: #e7e2da; border-radius: 1rem; padding: 0 .5rem; font-size: .8rem; }
  code { background: #eee; padding: 0 .2rem; border-radius: .2rem; }
  nav a { margin-left: 1rem; color: #2f5d50; }
`;

function layout(
  title: string,
  body: string,
  options: { nav?: string; head?: string; bodyAttributes?: string; brand?: string } = {},
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(title)}</title><style>${STYLE}</style>${options.head ?? ""}</head>
<body${options.bodyAttributes ?? ""}><header><a href="/">${options.brand ?? "☕ sessionjar shop"}</a><nav>${options.nav ?? ""}</nav></header>
${body}
</body></html>`;
}

function userNav(csrfToken: string): string {
  return `<a href="/checkout">Checkout</a><a href="/sessions">Your devices</a>
<form class="inline" method="post" action="/logout"><input type="hidden" name="csrf_token" value="${esc(csrfToken)}"> <button class="quiet" id="logout">Sign out</button></form>`;
}

export function signInPage(options: {
  csrfToken: string;
  error?: string;
  email?: string;
  signedInAs?: User | undefined;
}): string {
  const note =
    options.signedInAs === undefined
      ? ""
      : `<p class="muted">You are signed in as ${esc(options.signedInAs.email)}. Signing in again replaces that session. <a href="/checkout">Go to checkout</a></p>`;
  const error =
    options.error === undefined ? "" : `<p class="error" id="error">${esc(options.error)}</p>`;
  return layout(
    "Sign in · sessionjar shop",
    `<div class="card"><h1>Sign in</h1>${note}${error}
<form method="post" action="/login" id="login">
  <input type="hidden" name="csrf_token" value="${esc(options.csrfToken)}">
  <label for="email">Email</label><input type="email" id="email" name="email" autocomplete="username" value="${esc(options.email ?? "")}" required>
  <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
  <p><button type="submit">Sign in</button></p>
</form>
<p class="muted">Demo accounts: <code>alice@shop.test</code> / <code>alice-password</code>, <code>bob@shop.test</code> / <code>bob-password</code>, <code>admin@shop.test</code> / <code>admin-password</code>.</p></div>`,
  );
}

/** A time for people, in UTC. */
function when(d: Date | null): string {
  return d === null ? "—" : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function checkoutPage(options: {
  user: User;
  session: SessionInfo;
  orders: readonly Order[];
  csrfToken: string;
  apiOrigin: string;
}): string {
  const { user, session, csrfToken } = options;
  const orders = options.orders
    .map(
      (o) =>
        `<tr id="order-${esc(o.id)}"><td>#${esc(o.id)}</td><td>${esc(o.item)}</td><td class="status">${esc(o.status)}</td><td>${
          o.status === "active"
            ? `<form class="inline" method="post" action="/orders/${esc(o.id)}/cancel"><input type="hidden" name="csrf_token" value="${esc(csrfToken)}"><button class="quiet">Cancel</button></form>`
            : ""
        }</td></tr>`,
    )
    .join("");
  const elevated =
    session.elevatedAt === null
      ? `<form method="post" action="/mfa" id="mfa"><input type="hidden" name="csrf_token" value="${esc(csrfToken)}">
<label for="code">Confirm it is you (demo code <code>123456</code>) to raise this session</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code"> <p><button>Verify</button></p></form>`
      : `<p class="ok" id="elevated">This session was verified at ${esc(when(session.elevatedAt))}; its ID was rotated then.</p>`;
  return layout(
    "Checkout · sessionjar shop",
    `<div class="card"><h1>Checkout for ${esc(user.name)}</h1>
<p class="muted">Signed in as ${esc(user.email)} · session <code>${esc(session.id)}</code> · idle expiry ${esc(when(session.idleExpiresAt))}</p>
<h2>Your cart <span class="tag">from ${esc(options.apiOrigin)}</span></h2>
<div id="cart" data-state="loading"><p class="muted">Loading the cart from the API…</p></div></div>
<div class="card"><h2>Your orders</h2><table id="orders">${orders || '<tr><td class="muted">No orders.</td></tr>'}</table></div>
<div class="card">${elevated}</div>
<script>
const api = document.body.dataset.api;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const box = document.getElementById("cart");
const cart = () => fetch(api + "/cart/summary", { credentials: "include" });
async function exchange() {
  const c = await fetch("/exchange-code", { method: "POST", headers: { "x-csrf-token": csrf } });
  if (!c.ok) throw new Error("www refused the exchange code: " + c.status);
  const { code } = await c.json();
  const x = await fetch(api + "/session/exchange", {
    method: "POST", credentials: "include",
    headers: { "content-type": "application/json" }, body: JSON.stringify({ code }),
  });
  if (!x.ok) throw new Error("the API refused the exchange: " + x.status);
}
function show(summary) {
  const rows = summary.items.map((i) => {
    const tr = document.createElement("tr");
    for (const v of [i.name, "× " + i.quantity, i.total]) {
      const td = document.createElement("td"); td.textContent = v; tr.append(td);
    }
    return tr;
  });
  const table = document.createElement("table"); table.append(...rows);
  const total = document.createElement("p"); total.innerHTML = "<strong>Total</strong> ";
  total.append(summary.total);
  box.replaceChildren(table, total);
  box.dataset.state = "loaded";
}
(async () => {
  try {
    let r = await cart();
    if (r.status === 401) { await exchange(); r = await cart(); }
    if (!r.ok) throw new Error("the API answered " + r.status);
    show(await r.json());
  } catch (e) {
    box.textContent = "The cart could not be loaded: " + e.message;
    box.dataset.state = "error";
  }
})();
</script>`,
    {
      nav: userNav(csrfToken),
      head: `<meta name="csrf-token" content="${esc(csrfToken)}">`,
      bodyAttributes: ` data-api="${esc(options.apiOrigin)}"`,
    },
  );
}

/** "Chrome 120 on Linux" from a User-Agent, for the devices list; the full text is its title. */
export function describeUserAgent(ua: string | null): string {
  if (ua === null || ua === "") return "Unknown browser";
  const browsers: [RegExp, string][] = [
    [/Edg\/(\d+)/, "Edge"],
    [/Firefox\/(\d+)/, "Firefox"],
    [/(?:Headless)?Chrome\/(\d+)/, "Chrome"],
    [/Version\/(\d+).*Safari\//, "Safari"],
  ];
  const systems: [RegExp, string][] = [
    [/Android/, "Android"],
    [/iPhone|iPad/, "iOS"],
    [/Windows/, "Windows"],
    [/Mac OS X/, "macOS"],
    [/Linux/, "Linux"],
  ];
  const browser = browsers.find(([re]) => re.test(ua));
  const version = browser === undefined ? undefined : browser[0].exec(ua)?.[1];
  const system = systems.find(([re]) => re.test(ua))?.[1];
  const name = browser === undefined ? "Another client" : `${browser[1]} ${version}`;
  return system === undefined ? name : `${name} on ${system}`;
}

export function sessionsPage(options: {
  user: User;
  sessions: readonly SessionInfo[];
  csrfToken: string;
}): string {
  const hidden = `<input type="hidden" name="csrf_token" value="${esc(options.csrfToken)}">`;
  const rows = options.sessions
    .map(
      (
        s,
      ) => `<tr data-session="${esc(s.id)}"><td>${s.current ? '<span class="tag">this device</span> ' : ""}<span title="${esc(s.userAgent ?? "")}">${esc(describeUserAgent(s.userAgent))}</span><br><code>${esc(s.id)}</code></td>
<td class="muted when">signed in ${esc(when(s.createdAt))}<br>last seen ${esc(when(s.lastSeenAt))}</td>
<td><form class="inline" method="post" action="/sessions/${esc(s.id)}/revoke">${hidden}<button class="quiet">Sign out</button></form></td></tr>`,
    )
    .join("");
  return layout(
    "Your devices · sessionjar shop",
    `<div class="card"><h1>Your devices</h1><p class="muted">Every browser signed in as ${esc(options.user.email)}.</p>
<table id="sessions">${rows}</table>
<p><form class="inline" method="post" action="/sessions/revoke-others">${hidden}<button id="revoke-others">Sign out all other devices</button></form>
<form class="inline" method="post" action="/sessions/revoke-all">${hidden}<button class="danger" id="revoke-all">Sign out everywhere</button></form></p></div>`,
    { nav: userNav(options.csrfToken) },
  );
}

export function adminPage(options: {
  users: readonly { user: User; sessions: number }[];
  csrfToken: string;
}): string {
  const rows = options.users
    .map(
      ({
        user,
        sessions,
      }) => `<tr><td>${esc(user.email)}</td><td>${sessions} active session${sessions === 1 ? "" : "s"}</td>
<td><form class="inline" method="post" action="/admin/users/${esc(user.id)}/revoke-all"><input type="hidden" name="csrf_token" value="${esc(options.csrfToken)}"><button class="danger">Force sign-out</button></form></td></tr>`,
    )
    .join("");
  return layout(
    "Admin · sessionjar shop",
    `<div class="card"><h1>Users</h1><table>${rows}</table></div>`,
    { nav: userNav(options.csrfToken) },
  );
}

/** An error card; `back` is the page the failed form came from, to try again there. */
export function errorPage(status: number, code: string, message: string, back?: string): string {
  const link =
    back === undefined || back === "/"
      ? `<a href="/">Back to the shop</a>`
      : `<a id="back" href="${esc(back)}">Back to the page</a> · <a href="/">the shop</a>`;
  return layout(
    `${status} · sessionjar shop`,
    `<div class="card"><h1>${esc(status)} <code id="code">${esc(code)}</code></h1><p>${esc(message)}</p><p>${link}</p></div>`,
  );
}

/** What the plain-HTTP port answers: where the page really is, and why. */
export function insecurePage(location: string): string {
  return layout(
    "Moved to HTTPS",
    `<div class="card"><h1>This shop is served over HTTPS</h1><p>Its session cookie is <code>Secure</code>, so no browser sends it over plain http:// — here you are signed out. Continue at <a href="${esc(location)}">${esc(location)}</a>.</p></div>`,
  );
}

export function cartSummary(
  items: readonly CartItem[],
  euros: (cents: number) => string,
): {
  items: { sku: string; name: string; quantity: number; total: string }[];
  total: string;
} {
  return {
    items: items.map((i) => ({
      sku: i.sku,
      name: i.name,
      quantity: i.quantity,
      total: euros(i.price * i.quantity),
    })),
    total: euros(items.reduce((sum, i) => sum + i.price * i.quantity, 0)),
  };
}

/**
 * The hostile page: a cross-site form that posts itself to www's cancel endpoint, a
 * credentialed fetch to www and to the API, an image request to www. It shows what it could
 * see of each; none of them gets anything.
 */
export function attackPage(options: { wwwOrigin: string; apiOrigin: string }): string {
  const www = esc(options.wwwOrigin);
  return layout(
    "Win a free espresso machine!",
    `<div class="card"><h1>You won a free espresso machine!</h1>
<p class="muted">This page is at another site. While you read this, it tries four things against the shop where you are signed in:</p>
<table id="attempts">
<tr id="form"><td>Auto-submitting form: <code>POST ${www}/orders/842/cancel</code></td><td class="result">…</td></tr>
<tr id="fetch-www"><td>Credentialed fetch: <code>POST ${www}/orders/842/cancel</code></td><td class="result">…</td></tr>
<tr id="fetch-api"><td>Credentialed fetch: <code>GET ${esc(options.apiOrigin)}/cart/summary</code></td><td class="result">…</td></tr>
<tr id="image"><td>Image: <code>${www}/checkout</code></td><td class="result">…</td></tr>
</table>
<p class="muted">The form's answer lands in the frame below: this page cannot read it. Check order #842 on the shop's checkout page.</p>
<form id="attack" method="post" action="${www}/orders/842/cancel" target="sink"><input type="hidden" name="csrf_token" value="guessed-token"></form>
<iframe name="sink" id="sink" title="the form's answer" style="width:100%;height:7rem;border:1px solid #ddd"></iframe>
<p class="muted">(The shop's pages refuse to be framed, so the frame stays empty.)</p></div>
<script>
const www = ${JSON.stringify(options.wwwOrigin)}, api = ${JSON.stringify(options.apiOrigin)};
const say = (id, text, cls) => { const td = document.querySelector("#" + id + " .result"); td.textContent = text; td.className = "result " + cls; };
const done = new Set();
const finish = (id) => { done.add(id); if (done.size === 4) document.body.dataset.done = "true"; };
async function attempt(id, run) {
  try { say(id, await run(), "error"); }
  catch (e) { say(id, "blocked: " + e.name + " (" + e.message + ")", "ok"); }
  finish(id);
}
const sink = document.getElementById("sink");
let submitted = false;
sink.addEventListener("load", () => {
  if (!submitted) return;
  say("form", "sent; its answer is hidden from this page (the shop counts what it refused in /metrics)", "ok");
  finish("form");
});
attempt("fetch-www", async () => {
  const r = await fetch(www + "/orders/842/cancel", { method: "POST", credentials: "include",
    headers: { "content-type": "application/x-www-form-urlencoded" }, body: "csrf_token=guessed-token" });
  return "read the answer: " + r.status + " " + (await r.text());
});
attempt("fetch-api", async () => {
  const r = await fetch(api + "/cart/summary", { credentials: "include" });
  return "read the cart: " + (await r.text());
});
const img = new Image();
img.onload = () => { say("image", "loaded an image?!", "error"); finish("image"); };
img.onerror = () => { say("image", "failed: not an image, and no session cookie went with it", "ok"); finish("image"); };
img.src = www + "/checkout";
submitted = true;
document.getElementById("attack").submit();
</script>`,
    { brand: "★ Prize draw" },
  );
}
