// Requests that Node's HTTP parser refuses before any handler runs (a header over
// `maxHeaderSize`, CR/LF/NUL inside a header, a garbled request line) get Node's bare answer
// without a body. This gives them the same JSON `{ error: { code, message } }` as every other
// refusal, so clients and logs see one format.
import type { Duplex } from "node:stream";

/** Node's parser and server errors, by the status and code they are answered with. */
const ANSWERS: Readonly<Record<string, readonly [number, string, string]>> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "header_too_large",
    "the request's headers are larger than this server accepts",
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "the request took too long to arrive"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [
    413,
    "chunk_extensions_too_large",
    "a chunk's extensions are too large",
  ],
};
const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
};

/**
 * A handler for the `clientError` event of a Node `http` / `https` server (and Fastify's
 * `clientErrorHandler` option): answers 431 `header_too_large`, 408 `request_timeout` or
 * 400 `bad_request` as JSON, then closes the connection. A connection that was reset, or
 * whose response has already sent its head, is only closed.
 *
 * ```ts
 * const server = http.createServer(withSessions(sessions, handler));
 * server.on("clientError", answerClientError);
 * ```
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A request whose headers parsed (a handler may be running) and whose body then did not gets
  // its answer too, as from Node itself, unless its response has begun.
  const pending = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || pending?.headersSent === true) {
    socket.destroy();
    return;
  }
  const [status, code, message] = ANSWERS[error.code ?? ""] ?? [
    400,
    "bad_request",
    "the request is not valid HTTP (a malformed request line or header)",
  ];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
