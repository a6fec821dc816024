import { AuditError } from "./errors.js";
import type { AuditResponse, HeaderPair } from "./rules/index.js";

interface HarHeader {
  name?: unknown;
  value?: unknown;
}
interface HarCookie {
  name?: unknown;
  value?: unknown;
  path?: unknown;
  domain?: unknown;
  expires?: unknown;
  httpOnly?: unknown;
  secure?: unknown;
  sameSite?: unknown;
}

/** One HAR entry as a response to audit, its headers as pairs. */
export interface HarResponse extends AuditResponse {
  readonly headers: HeaderPair[];
  readonly request: { readonly method: string; readonly headers: HeaderPair[] };
}

/** What a HAR file gave: the responses to audit, and what could not be used. */
export interface HarInput {
  readonly responses: HarResponse[];
  /** Entries left out: no response (blocked, failed), or not http(s). */
  readonly skipped: number;
  /**
   * True when entries carry parsed `cookies` but no Set-Cookie header: the browser exported a
   * sanitized HAR, and the lines were rebuilt from the parsed cookies (attributes the browser
   * did not record, such as Max-Age, are lost). Export with sensitive data to audit the lines.
   */
  readonly rebuiltFromCookies: boolean;
}

function pairs(list: unknown, where: string): HeaderPair[] {
  if (list === undefined) return [];
  // Anything else would audit as a response without headers: "no findings" for a broken file.
  if (!Array.isArray(list))
    throw new AuditError(
      "ERR_AUDIT_HAR_INVALID",
      `${where} is ${JSON.stringify(list)}, not a list of {"name", "value"} objects: is the HAR file edited by hand or cut short?`,
    );
  const out: HeaderPair[] = [];
  for (const h of list as HarHeader[]) {
    if (h === null || typeof h !== "object") continue;
    if (typeof h.name !== "string" || typeof h.value !== "string") continue;
    // HTTP/2 pseudo-headers are not response headers.
    if (h.name.startsWith(":")) continue;
    out.push([h.name, h.value]);
  }
  return out;
}

/** A Set-Cookie line from a HAR cookie object, as far as the browser recorded it. */
function lineFromCookie(c: HarCookie): string | undefined {
  if (typeof c.name !== "string" || typeof c.value !== "string") return undefined;
  const parts = [`${c.name}=${c.value}`];
  if (typeof c.path === "string" && c.path !== "") parts.push(`Path=${c.path}`);
  if (typeof c.domain === "string" && c.domain !== "") parts.push(`Domain=${c.domain}`);
  if (typeof c.expires === "string" && c.expires !== "") {
    const d = new Date(c.expires);
    if (!Number.isNaN(d.getTime())) parts.push(`Expires=${d.toUTCString()}`);
  }
  if (c.secure === true) parts.push("Secure");
  if (c.httpOnly === true) parts.push("HttpOnly");
  if (typeof c.sameSite === "string" && c.sameSite !== "") parts.push(`SameSite=${c.sameSite}`);
  return parts.join("; ");
}

/**
 * Reads a HAR 1.2 file (DevTools "Save all as HAR" in Chromium, Firefox and Safari) into the
 * responses to audit, one per entry, in order, with each entry's request headers. Throws
 * `ERR_AUDIT_HAR_INVALID` when the text is not JSON, has no `log.entries`, or an entry's
 * headers are not a list.
 */
export function readHar(text: string): HarInput {
  let json: unknown;
  try {
    json = JSON.parse(String(text).replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new AuditError(
      "ERR_AUDIT_HAR_INVALID",
      `the HAR file is not JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const entries = (json as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) {
    throw new AuditError(
      "ERR_AUDIT_HAR_INVALID",
      "the HAR file has no log.entries list: is it a HAR export?",
    );
  }
  const responses: HarResponse[] = [];
  let skipped = 0;
  let rebuiltFromCookies = false;
  for (const [i, e] of (
    entries as {
      request?: Record<string, unknown>;
      response?: Record<string, unknown>;
    }[]
  ).entries()) {
    const req = e?.request;
    const res = e?.response;
    const url = typeof req?.url === "string" ? req.url : "";
    const status = typeof res?.status === "number" ? res.status : 0;
    if (!URL.canParse(url) || !/^https?:/i.test(url) || status <= 0) {
      skipped++;
      continue;
    }
    const headers = pairs(res?.headers, `log.entries[${i}].response.headers`);
    if (!headers.some(([n]) => n.toLowerCase() === "set-cookie") && Array.isArray(res?.cookies)) {
      for (const c of res.cookies as HarCookie[]) {
        const line = c !== null && typeof c === "object" ? lineFromCookie(c) : undefined;
        if (line === undefined) continue;
        headers.push(["set-cookie", line]);
        rebuiltFromCookies = true;
      }
    }
    responses.push({
      url,
      status,
      headers,
      request: {
        method: typeof req?.method === "string" ? req.method : "GET",
        headers: pairs(req?.headers, `log.entries[${i}].request.headers`),
      },
    });
  }
  return { responses, skipped, rebuiltFromCookies };
}
