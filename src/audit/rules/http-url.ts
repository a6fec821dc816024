import { AuditError } from "../errors.js";

/** `text` as an http(s) URL, or `ERR_AUDIT_INPUT_INVALID` saying what it is not. */
export function httpUrl(text: string, hint = ""): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AuditError("ERR_AUDIT_INPUT_INVALID", `${JSON.stringify(text)} is not a URL${hint}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new AuditError("ERR_AUDIT_INPUT_INVALID", `${url.href} is not an http(s) URL`);
  return url;
}
