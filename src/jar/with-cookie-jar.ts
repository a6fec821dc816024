import type { RequestContext } from "./context.js";
import type { CookieJar } from "./cookie-jar.js";
import { JarError } from "./errors.js";
import type { SetCookieResult } from "./types.js";

/** Options of {@link withCookieJar}. */
export interface WithCookieJarOptions {
  /**
   * The context of every request made through the returned fetch. Default: a top-level
   * navigation the user started, as an API client or a CLI is.
   */
  readonly context?: RequestContext;
  /** Redirects followed before giving up with `ERR_JAR_TOO_MANY_REDIRECTS`. Default 20, as browsers. */
  readonly maxRedirects?: number;
  /**
   * Called with what the jar did with each Set-Cookie line of each hop: a cookie the jar refuses
   * (`{ type: "rejected", reason, message }`) is dropped silently, as a browser drops it, and
   * this is where a test or a script can see why.
   */
  readonly onSetCookie?: (result: SetCookieResult, line: string, url: string) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A `fetch` that behaves as a browser's cookie handling does: each request carries the jar's
 * cookies for its URL, and every response's Set-Cookie is stored. Redirects are followed hop
 * by hop, so each hop stores its own cookies and the next hop sends what applies to it (the
 * hops so far count as the request's redirect chain). With `redirect: "manual"` or `"error"`,
 * the first response is returned (its cookies stored) as with any fetch.
 *
 * ```ts
 * const jar = new CookieJar();
 * const fetchWithCookies = withCookieJar(fetch, jar);
 * await fetchWithCookies("https://shop.test/login", { method: "POST", body: form });
 * await fetchWithCookies("https://shop.test/me"); // carries the session cookie
 * ```
 *
 * Against a development server on `http://localhost`, use `new CookieJar({ profile: "chromium" })`:
 * the default profile, as the draft (and Safari) does, drops Secure and `__Host-` cookies that
 * come over plain HTTP, so a session cookie would never be kept (`onSetCookie` shows why).
 *
 * A `Cookie` header given by the caller is sent after the jar's cookies. As with fetch's own
 * redirects, 303 (and 301/302 after POST) become GET without a body, and Authorization is
 * dropped when a redirect leaves the origin. `response.url` is the last hop's URL.
 */
export function withCookieJar(
  fetchFn: typeof fetch,
  jar: CookieJar,
  options: WithCookieJarOptions = {},
): typeof fetch {
  const baseContext = options.context ?? {};
  const maxRedirects = options.maxRedirects ?? 20;
  return async (input, init) => {
    const first = new Request(input, init);
    const mode = first.redirect;
    let url = first.url;
    let method = first.method;
    let body = first.body === null ? undefined : await first.arrayBuffer();
    const headers = new Headers(first.headers);
    const ownCookie = headers.get("cookie");
    const redirects: string[] = [...(baseContext.redirects ?? [])];
    for (let hop = 0; ; hop++) {
      const context: RequestContext = { ...baseContext, method, redirects: [...redirects] };
      const cookie = jar.getCookieHeader(url, context);
      const sent = [cookie, ownCookie].filter((c) => c !== null && c !== "").join("; ");
      if (sent === "") headers.delete("cookie");
      else headers.set("cookie", sent);
      const response = await fetchFn(url, {
        method,
        headers,
        body: body ?? null,
        redirect: "manual",
        signal: first.signal,
      });
      for (const line of response.headers.getSetCookie()) {
        const result = jar.setCookie(line, url, context);
        options.onSetCookie?.(result, line, url);
      }
      const location = response.headers.get("location");
      if (mode !== "follow" || !REDIRECTS.has(response.status) || location === null)
        return response;
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return response;
      }
      if (next.protocol !== "http:" && next.protocol !== "https:") return response;
      if (hop >= maxRedirects) {
        await response.body?.cancel();
        throw new JarError(
          "ERR_JAR_TOO_MANY_REDIRECTS",
          `more than ${maxRedirects} redirects from ${first.url}`,
        );
      }
      await response.body?.cancel();
      if (
        response.status === 303
          ? method !== "HEAD"
          : (response.status === 301 || response.status === 302) && method === "POST"
      ) {
        method = "GET";
        body = undefined;
        for (const h of [
          "content-type",
          "content-length",
          "content-encoding",
          "content-language",
          "content-location",
        ])
          headers.delete(h);
      }
      if (new URL(url).origin !== next.origin) headers.delete("authorization");
      redirects.push(url);
      url = next.href;
    }
  };
}
