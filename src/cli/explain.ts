import { type ParseArgsConfig, parseArgs } from "node:util";
import type { AuditFetch } from "../audit/index.js";
import {
  type CorsExplanation,
  type ExplainCorsOptions,
  type ExplainRequest,
  type ExplainResponse,
  explainCors,
  formatCorsExplanation,
} from "../cors/index.js";
import { commandFetch, FETCH_HELP, FETCH_OPTIONS } from "./audit-fetch.js";
import { explainSetCookie } from "./explain-set-cookie.js";
import type { CliIo } from "./main.js";
import { argumentError } from "./usage.js";

export const EXPLAIN_HELP = `Usage:
  sessionjar explain --cors URL --origin ORIGIN [options]
  sessionjar explain --set-cookie "..." --from URL --to URL [options]

With --set-cookie: the response to a request for --from set the cookie; does a request for
--to carry it? Every check (expiry, host, path, secure, same-site, HttpOnly, partition) in
plain words. Exit code 0 when it is sent, 1 when not (or not stored), 2 on bad usage.

  --set-cookie "..."           a Set-Cookie field value (repeatable, in order)
  --from URL                   the URL whose response set the cookie
  --to URL                     the URL of the later request
  --initiator ORIGIN           the origin of the document that makes the request (default: the user)
  --type TYPE                  navigation (default), frame or subresource
  --method METHOD              the request method (default GET)
  --frame ORIGIN               for frame and subresource: top-level and nested documents' origins, outermost first (repeatable)
  --profile NAME               rfc6265bis (default) or chromium
  --json                       print the explanation as JSON

With --cors:
Will the browser expose this response to a script on ORIGIN, and send and store its cookies?
With --response-header, the response described is explained and nothing is sent. Without, the
command asks the server as a browser would: when the request needs a preflight, it first sends
it (OPTIONS with Origin and Access-Control-Request-Method/-Headers, no cookies) and explains
its answer; a failed preflight is the end, as in a browser. Then it sends a GET or HEAD (with
an Origin header) and explains the response; any other method (POST, PUT, DELETE, ...) can
change data on the server, so it is sent only with --send.

Options:
  --origin ORIGIN              the page's origin, e.g. https://www.shop.test (required)
  --method METHOD              the fetch method (default GET)
  --credentials MODE           include | same-origin | omit (default include)
  --header "Name: value"       a header the script sets (repeatable)
  --response-header "N: v"     a response header, instead of fetching (repeatable)
  --status N                   the status of the described response (default 200)
  --send                       send the actual request even when its method is not GET or HEAD
  --json                       print the explanation as JSON

When it fetches (without --response-header):
${FETCH_HELP}
Exit code: 0 when the response is exposed and its cookies work, 1 when not (or the preflight
fails), 2 on bad usage, 3 when the actual request was not sent (its method is not GET or HEAD;
see --send and --response-header).
`;

function headerPairs(list: readonly string[], what: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const h of list) {
    const i = h.indexOf(":");
    if (i <= 0) throw new Error(`${what} ${JSON.stringify(h)} is not "Name: value"`);
    const name = h.slice(0, i).trim().toLowerCase();
    const value = h.slice(i + 1).trim();
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}

const EXPLAIN_OPTIONS = {
  cors: { type: "boolean" },
  "set-cookie": { type: "string", multiple: true, default: [] },
  from: { type: "string" },
  to: { type: "string" },
  initiator: { type: "string" },
  type: { type: "string" },
  frame: { type: "string", multiple: true, default: [] },
  profile: { type: "string" },
  origin: { type: "string" },
  method: { type: "string" },
  credentials: { type: "string", default: "include" },
  header: { type: "string", multiple: true, default: [] },
  "response-header": { type: "string", multiple: true, default: [] },
  status: { type: "string", default: "200" },
  send: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  ...FETCH_OPTIONS,
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

/** `sessionjar explain --cors …`. */
export async function explain(argv: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  let positionals: string[];
  const parse = (args: string[]) =>
    parseArgs({ args, allowPositionals: true, options: EXPLAIN_OPTIONS });
  try {
    ({ values, positionals } = parse([...argv]));
  } catch (error) {
    io.err(argumentError("sessionjar explain", error, EXPLAIN_OPTIONS));
    return 2;
  }
  if (values.help === true) {
    io.out(EXPLAIN_HELP);
    return 0;
  }
  if (values["set-cookie"].length > 0) return explainSetCookie(values, io);
  const url = positionals[0];
  const credentials = values.credentials;
  if (values.cors !== true || url === undefined || values.origin === undefined) {
    io.err(`sessionjar explain: --cors, a URL and --origin are required\n\n${EXPLAIN_HELP}`);
    return 2;
  }
  if (credentials !== "include" && credentials !== "same-origin" && credentials !== "omit") {
    io.err(`sessionjar explain: --credentials must be include, same-origin or omit\n`);
    return 2;
  }
  let requestHeaders: Record<string, string>;
  let described: Record<string, string | string[]>;
  try {
    requestHeaders = Object.fromEntries(
      Object.entries(headerPairs(values.header, "--header")).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.join(", ") : v,
      ]),
    );
    described = headerPairs(values["response-header"], "--response-header");
  } catch (error) {
    io.err(`sessionjar explain: ${(error as Error).message}\n`);
    return 2;
  }
  const request: ExplainRequest = {
    url,
    method: (values.method ?? "GET").toUpperCase(),
    origin: values.origin,
    credentials,
    headers: requestHeaders,
  };
  // What a browser would send first: the preflight, from the request alone.
  let planned: CorsExplanation;
  try {
    planned = explainCors(request, null);
  } catch (error) {
    io.err(`sessionjar explain: ${(error as Error).message}\n`);
    return 2;
  }
  let response: ExplainResponse | null = null;
  const options: { -readonly [K in keyof ExplainCorsOptions]: ExplainCorsOptions[K] } = {};
  if (values["response-header"].length > 0) {
    response = { status: Number(values.status), headers: described };
  } else {
    try {
      const fetcher = commandFetch(values);
      const preflight = planned.preflightRequest;
      if (preflight !== null) {
        // As a browser sends it: no cookies, none of the script's headers.
        options.preflightResponse = await fetchOnce(fetcher, url, "OPTIONS", preflight.headers);
        const answer = options.preflightResponse;
        const names = Object.keys(answer.headers);
        const probe =
          !names.includes("access-control-allow-origin") &&
          ((answer.status >= 200 && answer.status <= 299) ||
            names.some((n) => n.startsWith("access-control-allow-")));
        if (probe) {
          // Tells a refused origin from a refused method or header (see ExplainCorsOptions).
          options.preflightProbe = await fetchOnce(fetcher, url, "OPTIONS", {
            origin: preflight.headers.origin ?? values.origin,
            "access-control-request-method": "GET",
          });
        }
      }
      const refused =
        options.preflightResponse !== undefined &&
        explainCors(request, null, options).preflightPassed === false;
      if (!refused && (SAFE_TO_SEND.has(request.method) || values.send)) {
        response = await fetchOnce(fetcher, url, request.method, {
          ...requestHeaders,
          origin: values.origin,
        });
      }
    } catch (error) {
      io.err(`sessionjar explain: could not fetch ${url}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  let result: CorsExplanation;
  try {
    result = explainCors(request, response, options);
  } catch (error) {
    io.err(`sessionjar explain: ${(error as Error).message}\n`);
    return 2;
  }
  // Not sent on purpose: say how to explain the actual response.
  const unsent =
    response === null && result.preflightPassed !== false
      ? `The actual ${request.method} was not sent: it can change data on the server. To explain its response, describe it with --response-header "Name: value" (repeatable) and --status N, or add --send to send it.\n`
      : "";
  if (values.json === true) {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    if (unsent !== "") io.err(unsent);
  } else {
    io.out(`${formatCorsExplanation(result)}${unsent === "" ? "" : `\n${unsent}`}`);
  }
  if (result.preflightPassed === false) return 1;
  if (response === null) return 3;
  const cookiesOk = result.cookiesStored || !("set-cookie" in response.headers);
  return result.exposed && cookiesOk ? 0 : 1;
}

/** Methods the command sends without --send: they do not change data on a well-behaved server. */
const SAFE_TO_SEND: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/** One request, its response headers by lower-case name (Set-Cookie as a list). */
async function fetchOnce(
  fetcher: AuditFetch,
  url: string,
  method: string,
  headers: Readonly<Record<string, string>>,
): Promise<ExplainResponse> {
  const res = await fetcher(url, { method, headers: { ...headers } });
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of res.headers) {
    const k = name.toLowerCase();
    const prev = out[k];
    if (k === "set-cookie") out[k] = [...((prev as string[] | undefined) ?? []), value];
    else out[k] = prev === undefined ? value : `${prev as string}, ${value}`;
  }
  return { status: res.status, headers: out };
}
