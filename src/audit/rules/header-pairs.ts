import type { HeaderInput, HeaderPair } from "./types.js";

function isHeaders(h: unknown): h is Headers {
  return (
    typeof h === "object" &&
    h !== null &&
    typeof (h as Headers).forEach === "function" &&
    typeof (h as Headers).getSetCookie === "function"
  );
}

/** Headers of any accepted shape as pairs in order; anything else is no headers. */
export function headerPairs(h: HeaderInput | undefined): HeaderPair[] {
  const out: HeaderPair[] = [];
  if (h === undefined || h === null || typeof h !== "object") return out;
  if (Array.isArray(h)) {
    for (const pair of h as readonly unknown[]) {
      if (Array.isArray(pair) && pair.length >= 2) out.push([String(pair[0]), String(pair[1])]);
    }
    return out;
  }
  if (isHeaders(h)) {
    h.forEach((value, name) => {
      if (name !== "set-cookie") out.push([name, value]);
    });
    for (const line of h.getSetCookie()) out.push(["set-cookie", line]);
    return out;
  }
  for (const [name, value] of Object.entries(h)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.push([name, String(v)]);
    else out.push([name, String(value)]);
  }
  return out;
}
