// The CSRF glue for Node's IncomingMessage / ServerResponse, shared by the node and Express
// adapters. The decisions are in ../csrf-core.ts and sessionjar/csrf.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Csrf } from "../../csrf/create-csrf.js";
import { type GuardRequest, isSafeMethod } from "../../csrf/origin-guard.js";
import { applyHeaders, type ErrorAnswer } from "../core.js";
import {
  type CheckOutcome,
  CSRF_VARY,
  type CsrfGlueOptions,
  type CsrfSession,
  checkRequest,
  type FormFields,
  mergeVary,
  readNodeBody,
  tokenIssuer,
} from "../csrf-core.js";
import { beforeHead } from "./cors.js";

/** Options of the CSRF defence of the node and Express adapters. */
export interface NodeCsrfOptions extends CsrfGlueOptions {
  /** The CSRF defence from `createCsrf`. */
  csrf: Csrf;
  /**
   * A body a framework's parser already made (Express's `req.body`), looked in for the
   * `csrf_token` field instead of reading the stream.
   */
  parsed?: unknown;
}

/** A Node request after the CSRF check read its form: `req.body` holds the fields. */
export type RequestWithForm = IncomingMessage & { body?: FormFields };

const issuers = new WeakMap<IncomingMessage, () => string>();

/**
 * A CSRF token for a page or a script of this request: put it in a form's hidden `csrf_token`
 * field or a `<meta>` for `fetch`'s `X-CSRF-Token` header. Bound to the session as it is now (so
 * ask after a sign-in or rotation, not before); without a session, bound to the pre-session
 * cookie, which this call sets on the response when the request has none (sign-in forms). The
 * response is marked `Vary: Cookie`, and `private` (or `no-store` with the cookie).
 *
 * Throws a TypeError when the CSRF defence did not run for this request.
 */
export function csrfToken(req: IncomingMessage): string {
  const issue = issuers.get(req);
  if (issue === undefined)
    throw new TypeError(
      "this request went through no CSRF defence: withSessions(sessions, handler, { csrf }) or app.use(csrfMiddleware(csrf))",
    );
  return issue();
}

/** The error of a pre-session token asked for once its cookie can no longer be set. */
export function lateCookie(): TypeError {
  return new TypeError(
    "a CSRF token without a session needs its pre-session cookie, and this response's headers are already sent: ask for the token before the response starts",
  );
}

/** The {@link GuardRequest} of a Node request. */
export function nodeGuardRequest(req: IncomingMessage): GuardRequest {
  return {
    method: (req.method ?? "GET").toUpperCase(),
    header(name) {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(name === "cookie" ? "; " : ", ") : v;
    },
  };
}

function getHeader(res: ServerResponse, name: string): string | undefined {
  const v = res.getHeader(name);
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(", ") : String(v);
}

/** Sends a CSRF answer (403, 413, 400) on a response nothing was written to yet. */
function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  answer: ErrorAnswer,
  closeConnection: boolean,
): void {
  const headers = { ...answer.headers };
  // The rest of an over-large body is left unread: the connection cannot carry another request.
  if (closeConnection && req.httpVersionMajor === 1) headers.connection = "close";
  res.writeHead(answer.status, headers).end(answer.body);
}

/**
 * Runs the CSRF defence on a Node request, for adapters: registers the token issuer of
 * {@link csrfToken}; lets safe methods through; on an unsafe one, adds `Vary: Origin,
 * Sec-Fetch-Site, Cookie`, finds the token (`X-CSRF-Token`, else the `csrf_token` field of a
 * form, which it then reads into `req.body`) and checks it. A refusal is answered here (403
 * JSON, 413 for a form over the limit, 400 for a malformed one) and gives false; true means go on.
 */
export async function guardNodeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  session: CsrfSession,
  options: NodeCsrfOptions,
): Promise<boolean> {
  const request = nodeGuardRequest(req);
  const issue = tokenIssuer(options.csrf, request, session);
  issuers.set(req, () => {
    const issued = issue();
    if (res.headersSent) {
      if (issued.headers.setCookie.length > 0) throw lateCookie();
    } else {
      applyHeaders(
        issued.headers,
        (n) => getHeader(res, n),
        (n, v) => res.setHeader(n, v),
        (c) => res.appendHeader("set-cookie", c),
      );
    }
    return issued.token;
  });
  if (isSafeMethod(request.method)) return true;
  // Merged as the head is written, not now: a handler that sets its own Vary replaces the
  // header, and would drop what the verdict depended on.
  beforeHead(res, () => res.setHeader("vary", mergeVary(getHeader(res, "vary"), CSRF_VARY)));
  let readFailed = false;
  let outcome: CheckOutcome;
  try {
    outcome = await checkRequest(options.csrf, {
      request,
      session,
      parsed: options.parsed,
      readBody: (limit) =>
        readNodeBody(req, limit).catch((error: unknown) => {
          readFailed = true;
          throw error;
        }),
      formLimit: options.formLimit,
    });
  } catch (error) {
    // The client went away while sending its form: there is no one to answer.
    if (!readFailed) throw error;
    res.destroy();
    return false;
  }
  if (!outcome.ok) {
    sendAnswer(req, res, outcome.answer, outcome.bodyLeftUnread);
    return false;
  }
  if (outcome.fields !== undefined) (req as RequestWithForm).body = outcome.fields;
  return true;
}
