// The little HTTP the shop needs on top of sessionjar's node adapter: JSON and HTML answers,
// errors as `{ error: { code, message } }` for JSON clients and a plain page for HTML ones, and
// bounded JSON bodies.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestWithForm } from "sessionjar/adapters/node";
import { errorPage } from "./pages.js";

/** An error the shop answers with its status and code. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * The path of the page a form was sent from (its Referer), when that page is this origin's:
 * the error page links back to it, so a wrong MFA code does not lose the way to the form.
 */
export function backOf(req: IncomingMessage): string | undefined {
  const referer = req.headers.referer;
  const host = req.headers.host;
  if (referer === undefined || host === undefined) return undefined;
  try {
    const url = new URL(referer);
    return url.host === host && url.protocol === "https:" ? url.pathname + url.search : undefined;
  } catch {
    return undefined;
  }
}

/** True when the client asked for HTML (a browser navigation), not JSON. */
export function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? "");
}

/** True when the request body is a form (then success answers redirect). */
export function isForm(req: IncomingMessage): boolean {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "application/x-www-form-urlencoded" || type === "multipart/form-data";
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location });
  res.end();
}

export function sendError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
  for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  if (wantsHtml(req))
    sendHtml(res, error.status, errorPage(error.status, error.code, error.message, backOf(req)));
  else sendJson(res, error.status, { error: { code: error.code, message: error.message } });
}

const JSON_LIMIT = 16 * 1024;

/**
 * The fields of the request body: the form the CSRF check already read (`req.body`), or a JSON
 * object of at most 16 KiB. Anything else is a 4xx with a code.
 */
export async function readFields(req: IncomingMessage): Promise<Record<string, unknown>> {
  const form = (req as RequestWithForm).body;
  if (form !== undefined) return form;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (isForm(req)) {
    // The token came in the header, so the adapter left the form unread.
    const raw = await readRaw(req);
    return Object.fromEntries(new URLSearchParams(raw));
  }
  if (type !== "application/json")
    throw new HttpError(415, "unsupported_media_type", "send a JSON object or a form");
  const raw = await readRaw(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpError(400, "body_invalid", "the body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new HttpError(400, "body_invalid", "the body must be a JSON object");
  return parsed as Record<string, unknown>;
}

async function readRaw(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > JSON_LIMIT)
    throw new HttpError(413, "body_too_large", `the body is over ${JSON_LIMIT} bytes`, {
      connection: "close",
    });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > JSON_LIMIT)
      throw new HttpError(413, "body_too_large", `the body is over ${JSON_LIMIT} bytes`, {
        connection: "close",
      });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A text field of a body, or a 400 naming it. */
export function field(fields: Record<string, unknown>, name: string, max = 256): string {
  const v = fields[name];
  if (typeof v !== "string" || v.length === 0 || v.length > max)
    throw new HttpError(
      400,
      "body_invalid",
      `the field "${name}" must be a text of 1 to ${max} characters`,
    );
  return v;
}

/**
 * Answers the errors that sessionjar's adapter writes as JSON (a CSRF refusal, a store that is
 * down) with a plain page instead, when the client is a browser navigation. Installed on the
 * response before the adapter's own hold on it, so it sees the final status and headers.
 */
export function htmlErrorsFor(req: IncomingMessage, res: ServerResponse): void {
  if (!wantsHtml(req)) return;
  const writeHead = res.writeHead;
  const end = res.end;
  let asHtml = false;
  const decide = (): void => {
    if (res.headersSent || res.statusCode < 400) return;
    if (!/json/i.test(String(res.getHeader("content-type") ?? ""))) return;
    asHtml = true;
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.removeHeader("content-length");
  };
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    for (const a of rest) {
      if (typeof a !== "object" || a === null || Array.isArray(a)) continue;
      for (const [k, v] of Object.entries(a)) if (v !== undefined) res.setHeader(k, v as string);
    }
    res.statusCode = status;
    decide();
    return writeHead.call(res, status);
  } as typeof res.writeHead;
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    decide();
    if (asHtml && (typeof chunk === "string" || Buffer.isBuffer(chunk))) {
      let code = "error";
      let message = "";
      try {
        const body = JSON.parse(String(chunk)) as { error?: { code?: string; message?: string } };
        code = body.error?.code ?? code;
        message = body.error?.message ?? message;
      } catch {
        message = String(chunk);
      }
      chunk = errorPage(res.statusCode, code, message, backOf(req));
    }
    return (end as (...a: unknown[]) => ServerResponse).call(res, chunk, ...rest);
  } as typeof res.end;
}
