// What every adapter's CORS glue shares. The decisions are sessionjar/cors's
// (`createCorsPolicy(…).decide`); adapters only translate a request into a `CorsRequest` and a
// decision into their response, in this order: a preflight is answered at once, before sessions
// load and before the CSRF defence runs (preflights carry no cookies); any other request runs as
// usual and its response gets the decision's headers, `Vary` merged with the response's own.
import type { CorsDecision, CorsPolicy, CorsRequest } from "../cors/policy.js";

/** A CORS preflight's decision: to be answered at once with its `status` and `headers`. */
export type CorsPreflightDecision = Extract<CorsDecision, { readonly kind: "preflight" }>;

/** True when the decision is a preflight's, to be answered before anything else runs. */
export function isPreflight(decision: CorsDecision): decision is CorsPreflightDecision {
  return decision.kind === "preflight";
}

/** The names of a comma-separated header value, trimmed, empties dropped. */
function listOf(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** `existing` (a `Vary` value) with `names` added, each once, case-insensitively. */
export function mergeVary(existing: string | undefined, names: readonly string[]): string {
  const parts = listOf(existing);
  if (parts.includes("*")) return "*";
  const seen = new Set(parts.map((p) => p.toLowerCase()));
  for (const n of names) {
    if (!seen.has(n.toLowerCase())) {
      parts.push(n);
      seen.add(n.toLowerCase());
    }
  }
  return parts.join(", ");
}

/**
 * Adds a decision's headers to a response through the framework's own accessors: `Vary` is
 * merged with the response's (the session layer's `Cookie`, the handler's `Accept-Encoding`
 * stay), every other header is set. A refused origin's decision holds only `Vary: Origin`, so
 * nothing is granted, and nothing the handler set is taken away.
 */
export function applyCorsHeaders(
  headers: Readonly<Record<string, string>>,
  get: (name: string) => string | undefined,
  set: (name: string, value: string) => void,
): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name === "vary") set(name, mergeVary(get(name), listOf(value)));
    else set(name, value);
  }
}

/**
 * Decides one request from its method, as sent (methods are case-sensitive: the policy's are
 * upper-case, and a browser sends `fetch(url, { method: "patch" })` as `patch`), and a header
 * accessor by lower-case name.
 */
export function decideCors(
  policy: CorsPolicy,
  method: string,
  header: CorsRequest["header"],
): CorsDecision {
  return policy.decide({ method, header });
}
