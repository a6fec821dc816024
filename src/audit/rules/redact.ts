// Query and path parameters that frameworks put session ids in.
export const ID_PARAM =
  /^(?:jsessionid|phpsessid|sid|sessionid|session_id|session|sess|aspsessionid|token|access_token|auth)$/i;
/** `;jsessionid=…` and its kind: a session id as a path parameter. */
export const MATRIX_ID = /;(jsessionid|phpsessid|sid|sessionid)=([^/?#;]+)/i;
const EVERY_MATRIX_ID = new RegExp(MATRIX_ID.source, "gi");

/**
 * A credential as reports show it: its first four characters, enough to tell two apart, not
 * enough to use one. Values of eight characters or fewer are too weak to be worth hiding (and
 * the low-entropy finding needs them).
 */
export function hideValue(value: string): string {
  return value.length > 8 ? `${value.slice(0, 4)}…` : value;
}

/**
 * A Set-Cookie line with its cookie's `value` shown by {@link hideValue}: the first occurrence
 * after the line's first `=`, wherever spaces put it (`sid = …`, `sid= …`).
 */
export function hideInLine(line: string, value: string): string {
  const eq = line.indexOf("=");
  const at = eq < 0 || value === "" ? -1 : line.indexOf(value, eq + 1);
  return at < 0 ? line : `${line.slice(0, at)}${hideValue(value)}${line.slice(at + value.length)}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** `name=value&…` with the values of id parameters, or of known session values, hidden. */
function hideParams(params: string, values: ReadonlySet<string>): string {
  return params
    .split("&")
    .map((pair) => {
      const i = pair.indexOf("=");
      if (i < 0) return pair;
      const value = pair.slice(i + 1);
      const id = ID_PARAM.test(decoded(pair.slice(0, i))) || values.has(decoded(value));
      return id ? `${pair.slice(0, i + 1)}${hideValue(value)}` : pair;
    })
    .join("&");
}

/**
 * `url` as written (absolute or relative) with every session id it carries hidden by
 * {@link hideValue}: `;jsessionid=` path parameters, id parameters of the query and the fragment
 * (`#access_token=`), and any parameter whose value is one of `values`, the session cookies'.
 */
export function redactUrl(url: string, values: ReadonlySet<string>): string {
  const hash = url.indexOf("#");
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const query = beforeHash.indexOf("?");
  const path = query < 0 ? beforeHash : beforeHash.slice(0, query);
  const out = [
    path.replace(EVERY_MATRIX_ID, (_, name: string, v: string) => `;${name}=${hideValue(v)}`),
  ];
  if (query >= 0) out.push(`?${hideParams(beforeHash.slice(query + 1), values)}`);
  if (hash >= 0) out.push(`#${hideParams(url.slice(hash + 1), values)}`);
  return out.join("");
}
