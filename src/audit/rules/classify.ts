import { decodeCookieValue } from "../../cookie/index.js";

/** What a cookie is for, as far as the audit can tell. */
export type CookieKind = "session" | "csrf" | "other";

/** How a cookie was recognised. */
export interface CookieClass {
  readonly kind: CookieKind;
  /** `option`: named by the caller; `name`: a well-known name; `entropy`: its value looks random. */
  readonly by: "option" | "name" | "entropy" | "none";
}

const PREFIX = /^__(?:host-http-|host-|secure-|http-)/i;
const CSRF_NAME = /csrf|xsrf/i;
// Names frameworks give session and auth cookies: express-session, PHP, Java, ASP.NET, Rails,
// Laravel, Django, Flask, Auth.js, and the words people pick by hand.
const SESSION_NAME =
  /^(?:sid|ssid|sess|connect\.sid|phpsessid|jsessionid|asp\.net_sessionid|aspsessionid\w*|cfid|cftoken|\.aspxauth|\.aspnetcore\.(?:session|cookies)|laravel_session|_session_id|remember_(?:token|me|user_token)|jwt|token|auth|id_token|access_token|refresh_token|next-auth\.session-token|authjs\.session-token)$|sess(?:ion)?(?:[_.-]?(?:id|token|key))?$|^sess(?:ion)?[_.-]|[_.-]sess(?:ion)?(?:[_.-]|$)|(?:^|[_.-])(?:auth|jwt)(?:[_.-]?token)?$/i;
// Analytics, consent and preference cookies with random-looking values that are not sessions.
const NOT_SESSION =
  /^(?:_ga\w*|_gid|_gat\w*|_gcl_\w+|__utm\w+|_fbp|_fbc|_hj\w+|ajs_\w+|amplitude_\w+|mp_\w+|_pk_\w+|optimizely\w*|_clck|_clsk|_uetsid|_uetvid|cookieconsent\w*|optanonconsent|optanonalertboxclosed|euconsent\w*|lang|locale|theme|tz|__cf_bm|cf_clearance|_cfuvid)$/i;

/** Whether the value is a JWT or JWE in compact form (`eyJ…` parts separated by dots). */
export function isJwt(value: string): boolean {
  return /^eyJ[\w-]*\.[\w-]*\.[\w-]*(?:\.[\w-]*\.[\w-]*)?$/.test(value);
}

function log2(n: number): number {
  return Math.log(n) / Math.LN2;
}

/** Bits one run of characters can hold, from its length and the alphabet it draws on. */
function segmentBits(s: string): number {
  if (s.length === 0) return 0;
  if (new Set(s).size <= 2) return s.length;
  let alphabet: number;
  if (/^[0-9]+$/.test(s)) alphabet = 10;
  else if (/^[0-9a-f]+$/.test(s) || /^[0-9A-F]+$/.test(s)) alphabet = 16;
  else if (/^[0-9a-z]+$/.test(s) || /^[0-9A-Z]+$/.test(s)) alphabet = 36;
  else if (/^[0-9A-Za-z]+$/.test(s)) alphabet = 62;
  else if (/^[0-9A-Za-z_+/=-]+$/.test(s)) alphabet = 64;
  else alphabet = 95;
  return s.length * log2(alphabet);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An upper bound of the randomness a session id can hold, in bits, from its alphabet and
 * length: a value that looks random may still come from a weak generator, but one that is
 * short, numeric or patterned cannot be random enough. UUIDs count their random bits (122 in a
 * v4, 74 in a v7, 14 in a v1 or v6, whose other bits are a clock and a host id). An
 * express-session value (`s:ID.SIGNATURE`) counts only the id.
 */
export function estimateEntropyBits(value: string): number {
  let v = decodeCookieValue(value);
  const uuid = UUID.exec(v);
  if (uuid !== null) {
    const version = uuid[1] as string;
    return version === "4"
      ? 122
      : version === "7"
        ? 74
        : version === "1" || version === "6"
          ? 14
          : 122;
  }
  if (v.startsWith("s:") && v.lastIndexOf(".") > 2) v = v.slice(2, v.lastIndexOf("."));
  let bits = 0;
  for (const segment of v.split(/[.:|,;&=\s]+/)) bits += segmentBits(segment);
  return Math.round(bits);
}

/** Whether a value can be a random token at all: no spaces, at least 16 characters. */
function looksLikeToken(value: string): boolean {
  return value.length >= 16 && /^[\w.~+/=:%-]+$/.test(value);
}

/**
 * Decides what a cookie is for. With `sessionCookies`, only the names given are session
 * cookies. Otherwise a well-known session or auth name, a JWT value, or a value with at least
 * 96 bits of apparent randomness make a session cookie, except for the names of CSRF,
 * analytics, consent and preference cookies.
 */
export function classifyCookie(
  name: string,
  value: string,
  sessionCookies: readonly string[] | undefined,
): CookieClass {
  if (sessionCookies?.includes(name) === true) {
    return { kind: "session", by: "option" };
  }
  const bare = name.replace(PREFIX, "");
  if (CSRF_NAME.test(bare)) return { kind: "csrf", by: "name" };
  if (sessionCookies !== undefined) return { kind: "other", by: "none" };
  if (SESSION_NAME.test(bare)) return { kind: "session", by: "name" };
  if (NOT_SESSION.test(bare)) return { kind: "other", by: "name" };
  const decoded = decodeCookieValue(value);
  if (isJwt(decoded) || (looksLikeToken(decoded) && estimateEntropyBits(decoded) >= 96)) {
    return { kind: "session", by: "entropy" };
  }
  return { kind: "other", by: "none" };
}
