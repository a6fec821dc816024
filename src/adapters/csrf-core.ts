// What every adapter shares to run the CSRF defence: where the submitted token is read from,
// how a form is read within a size limit, and the answers of a refusal. Adapters only say how
// to read their request and write their response; the decisions are made here and in
// sessionjar/csrf. Nothing here depends on Node: the Web adapter runs it on any runtime.
import type { Readable } from "node:stream";
import type { Csrf, CsrfDecision } from "../csrf/create-csrf.js";
import { type GuardRequest, isSafeMethod } from "../csrf/origin-guard.js";
import type { SessionResponseHeaders } from "../session/request-session.js";
import type { ErrorAnswer } from "./core.js";

export { mergeVary } from "./cors-core.js";

/** The request header that carries the token (scripts): `X-CSRF-Token`. */
export const CSRF_HEADER = "x-csrf-token";
/** The form field that carries the token (HTML forms): `csrf_token`. */
export const CSRF_FIELD = "csrf_token";
/** The largest form body read to find the token field when no option says otherwise: 1 MiB. */
export const DEFAULT_FORM_LIMIT = 1024 * 1024;
/** What the verdict on an unsafe request depends on, for its response's `Vary`. */
export const CSRF_VARY: readonly string[] = ["Origin", "Sec-Fetch-Site", "Cookie"];

/** Options every adapter's CSRF glue takes. */
export interface CsrfGlueOptions {
  /**
   * The largest form body (`application/x-www-form-urlencoded` or `multipart/form-data`) read to
   * find the `csrf_token` field, in bytes; a larger one is answered 413 `csrf_body_too_large`.
   * Default 1 MiB. Only read when the token is not in the `X-CSRF-Token` header.
   */
  formLimit?: number;
}

/** One value of a parsed form: a text field, or an uploaded file as a Web `File`. */
export type FormValue = string | File;

/**
 * The fields of a form the adapter read: a plain object, one property per field name; a field
 * sent more than once becomes an array, in order; file parts are Web `File`s.
 */
export type FormFields = Record<string, FormValue | FormValue[]>;

/** The kind of form a `Content-Type` names, or undefined for anything else. */
export function formKind(contentType: string | undefined): "urlencoded" | "multipart" | undefined {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return "urlencoded";
  if (type === "multipart/form-data") return "multipart";
  return undefined;
}

// A token no codec can have issued: what a field that is not one string becomes, so that it is
// refused as csrf_token_invalid rather than taken for a missing one.
const NOT_A_TOKEN = "!";

/** The token in the `X-CSRF-Token` header, or undefined when it is absent or empty. */
export function headerToken(request: GuardRequest): string | undefined {
  const value = request.header(CSRF_HEADER);
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The `csrf_token` field of a parsed body: of {@link FormFields}, or of what a framework's own
 * parser made (body-parser, multer, `@fastify/formbody`, `@fastify/multipart`'s
 * `attachFieldsToBody`). Undefined when the body has no such field; a field sent twice or that
 * is not text gives a value that fails verification.
 */
export function fieldToken(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !Object.hasOwn(body, CSRF_FIELD))
    return undefined;
  const value = (body as Record<string, unknown>)[CSRF_FIELD];
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (Array.isArray(value))
    return value.length === 1 ? fieldToken({ [CSRF_FIELD]: value[0] }) : NOT_A_TOKEN;
  // @fastify/multipart's attachFieldsToBody: { fieldname, value, … } per field.
  if (typeof value === "object" && value !== null && !(value instanceof Blob)) {
    const inner = (value as { value?: unknown }).value;
    if (typeof inner === "string") return inner;
  }
  return NOT_A_TOKEN;
}

function addField(fields: FormFields, name: string, value: FormValue): void {
  if (Object.hasOwn(fields, name)) {
    const prev = fields[name] as FormValue | FormValue[];
    fields[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    return;
  }
  // defineProperty, so that a field named __proto__ is a field and not the object's prototype.
  Object.defineProperty(fields, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Parses a form body of the given `Content-Type`: URL-encoded fields are decoded as UTF-8;
 * multipart bodies go through the Web `Response#formData()` of the runtime (undici in Node).
 * Undefined when the body is not a well-formed form of that type.
 */
export async function parseForm(
  body: Uint8Array,
  contentType: string,
): Promise<FormFields | undefined> {
  const fields: FormFields = {};
  const kind = formKind(contentType);
  if (kind === "urlencoded") {
    for (const [k, v] of new URLSearchParams(new TextDecoder().decode(body)))
      addField(fields, k, v);
    return fields;
  }
  if (kind !== "multipart") return undefined;
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  } catch {
    return undefined;
  }
  for (const [k, v] of form) addField(fields, k, v);
  return fields;
}

/** What {@link readNodeBody} and {@link readWebBody} give for a body over the limit. */
export const TOO_LARGE: unique symbol = Symbol("sessionjar.csrf.tooLarge");

/** True when a `Content-Length` already says the body is over `limit`. */
export function declaredTooLarge(contentLength: string | undefined, limit: number): boolean {
  if (contentLength === undefined || !/^\d+$/.test(contentLength.trim())) return false;
  return Number(contentLength) > limit;
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Reads a Node stream (an `IncomingMessage`) to its end, or up to `limit` bytes: past it, the
 * stream is paused and left there, and the answer should close the connection. Rejects when the
 * stream fails or closes before its end (the client went away).
 */
export function readNodeBody(
  stream: Readable,
  limit: number,
): Promise<Uint8Array | typeof TOO_LARGE> {
  if (stream.readableEnded) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const cleanup = (): void => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("close", onClose);
    };
    const onData = (chunk: Uint8Array | string): void => {
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
      size += bytes.byteLength;
      if (size > limit) {
        cleanup();
        stream.pause();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(concat(chunks, size));
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error("the request was closed before its body was read"));
    };
    stream.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

/** Reads a Web body stream to its end, or up to `limit` bytes (then the stream is cancelled). */
export async function readWebBody(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array | typeof TOO_LARGE> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: a branch of a tee (request.clone()) settles its cancel only once the other
      // branch is cancelled too, and the other branch is the handler's.
      reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/**
 * Reads the rest of a Web body in the background and drops it, so that the runtime can reuse the
 * connection once the answer is sent; nothing is kept. For the request whose clone was read past
 * the limit: its other branch would otherwise hold the connection's stream paused.
 */
export function discardWebBody(body: ReadableStream<Uint8Array> | null): void {
  if (body === null || body.locked) return;
  const reader = body.getReader();
  const pump = (): Promise<void> => reader.read().then(({ done }) => (done ? undefined : pump()));
  pump().catch(() => {});
}

function jsonAnswer(status: number, code: string, message: string, vary?: string): ErrorAnswer {
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  };
  if (vary !== undefined) headers.vary = vary;
  return { status, body: JSON.stringify({ error: { code, message } }), headers };
}

/**
 * The HTTP answer of a refusal: 403 `{ error: { code: <reason>, message } }`, never stored
 * (`Cache-Control: no-store`), varying on what the verdict read. Undefined when the request passes.
 */
export function csrfAnswer(decision: CsrfDecision): ErrorAnswer | undefined {
  if (decision.ok) return undefined;
  return jsonAnswer(decision.status, decision.reason, decision.message, CSRF_VARY.join(", "));
}

/** 413 `csrf_body_too_large`: a form too large to look for its `csrf_token` field. */
export function bodyTooLargeAnswer(limit: number): ErrorAnswer {
  return jsonAnswer(
    413,
    "csrf_body_too_large",
    `this form is over ${limit} bytes, too large to look for its csrf_token field: send the token in the X-CSRF-Token header, or raise formLimit`,
  );
}

/** 400 `csrf_form_invalid`: a form body that does not parse as its `Content-Type` says. */
/** A body that failed while it was read: the client went away, or sent it broken. */
export function bodyUnreadableAnswer(): ErrorAnswer {
  return jsonAnswer(
    400,
    "csrf_body_unreadable",
    "the request's body could not be read to its end, so its csrf_token field cannot be read",
  );
}

export function formInvalidAnswer(): ErrorAnswer {
  return jsonAnswer(
    400,
    "csrf_form_invalid",
    "the form body does not parse as its Content-Type says, so its csrf_token field cannot be read",
  );
}

/** What {@link checkRequest} needs of an adapter. */
export interface CheckInput {
  /** The request's method and headers. */
  readonly request: GuardRequest;
  /** The request's session: its `binding` and `anonymous` are read when the check runs. */
  readonly session: CsrfSession;
  /**
   * A body a parser of the framework already made (body-parser, multer, a Fastify content-type
   * parser), or undefined. When given, the token is looked for in it and the stream is not read.
   */
  readonly parsed?: unknown;
  /**
   * Reads the raw body within a limit, when the token must come from a form and no parsed body
   * is given. Absent when the adapter cannot read it (the framework owns the stream).
   */
  readonly readBody?: (limit: number) => Promise<Uint8Array | typeof TOO_LARGE>;
  readonly formLimit?: number | undefined;
}

/** The outcome of {@link checkRequest}: go on (with the form, when it was read), or answer. */
export type CheckOutcome =
  | { readonly ok: true; readonly fields: FormFields | undefined }
  | {
      readonly ok: false;
      readonly answer: ErrorAnswer;
      /**
       * The body was left unread past the limit: a Node answer should close the connection, a
       * Web adapter should discard the rest ({@link discardWebBody}).
       */
      readonly bodyLeftUnread: boolean;
    };

/**
 * The whole check of one request, as every adapter runs it: safe methods pass untouched; the
 * token comes from `X-CSRF-Token`, else from the `csrf_token` field of a form body (never from
 * the query string); then `csrf.check` decides (events, report-only). A form is read only when
 * the header carries no token.
 */
export async function checkRequest(csrf: Csrf, input: CheckInput): Promise<CheckOutcome> {
  const { request } = input;
  if (isSafeMethod(request.method)) return { ok: true, fields: undefined };
  let token = headerToken(request);
  let fields: FormFields | undefined;
  const contentType = request.header("content-type");
  // Only a form's field counts: a JSON body's csrf_token is no form field.
  if (token === undefined && contentType !== undefined && formKind(contentType) !== undefined) {
    if (input.parsed !== undefined) token = fieldToken(input.parsed);
    else if (input.readBody !== undefined) {
      const limit = input.formLimit ?? DEFAULT_FORM_LIMIT;
      if (declaredTooLarge(request.header("content-length"), limit))
        return { ok: false, answer: bodyTooLargeAnswer(limit), bodyLeftUnread: true };
      const raw = await input.readBody(limit);
      if (raw === TOO_LARGE)
        return { ok: false, answer: bodyTooLargeAnswer(limit), bodyLeftUnread: true };
      fields = await parseForm(raw, contentType);
      if (fields === undefined)
        return { ok: false, answer: formInvalidAnswer(), bodyLeftUnread: false };
      token = fieldToken(fields);
    }
  }
  const { binding, anonymous = false } = input.session;
  const answer = csrfAnswer(csrf.check({ request, binding, anonymous, token }));
  return answer === undefined ? { ok: true, fields } : { ok: false, answer, bodyLeftUnread: false };
}

/** A token issued for a page or a script, with the headers its response needs. */
export interface IssuedForResponse {
  readonly token: string;
  /**
   * For the response, in the shape of the session's own headers (merge them the same way): the
   * pre-session cookie when one is set (then `no-store`), else `private`; `Vary: Cookie`.
   */
  readonly headers: SessionResponseHeaders;
}

/** What the CSRF glue needs of the request's session. */
export interface CsrfSession {
  /** `session.binding`: null without a session, then the pre-session cookie binds tokens. */
  readonly binding: string | null;
  /** `session.anonymous`: a live session without a user, which also takes pre-session tokens. */
  readonly anonymous?: boolean;
  /**
   * Throws when this response may not set a Secure cookie (plain HTTP without the session
   * layer's opt-ins): the pre-session cookie would be dropped by the browser, and the sign-in
   * it protects would fail later with a CSRF refusal that hides the cause.
   */
  assertCookieAllowed?(): void;
}

/**
 * Issues tokens for one request, bound to the session as it is when each is asked for (after a
 * sign-in, to the new session). Without a session, the first token sets the pre-session cookie
 * and later ones in the same request reuse it, so every token handed out stays valid.
 */
export function tokenIssuer(
  csrf: Csrf,
  request: GuardRequest,
  session: CsrfSession,
): () => IssuedForResponse {
  let preCookie: string | undefined;
  const view: GuardRequest = {
    method: request.method,
    header: (name) =>
      name === "cookie" && preCookie !== undefined ? preCookie : request.header(name),
  };
  return () => {
    const binding = session.binding;
    const issued = csrf.issue(view, binding);
    if (issued.setCookie !== undefined && binding === null) session.assertCookieAllowed?.();
    if (issued.setCookie !== undefined) preCookie = issued.setCookie.split(";")[0];
    return {
      token: issued.token,
      headers: {
        setCookie: issued.setCookie === undefined ? [] : [issued.setCookie],
        cacheControl: issued.setCookie === undefined ? "private" : "no-store",
        vary: "Cookie",
      },
    };
  };
}
