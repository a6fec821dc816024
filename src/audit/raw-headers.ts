import { AuditError } from "./errors.js";
import { type AuditResponse, type HeaderPair, httpUrl } from "./rules/index.js";

const STATUS_LINE = /^HTTP\/[\d.]+\s+(\d{3})\b/i;

/**
 * Reads response headers as text (`curl -sD - -o /dev/null -L URL`, DevTools "view source" of
 * the response headers, or lines typed by hand) into responses. Several responses, each
 * starting with an `HTTP/…` status line, are the hops of a redirect chain: each later one's
 * URL is the previous one's Location. Without a status line the status is 200. Lines that are
 * not `Name: value` (curl's `<` and `>` markers are dropped first) are ignored. Throws
 * `ERR_AUDIT_INPUT_INVALID` when `url` is not http(s) or the text holds no header at all.
 */
export function readRawHeaders(text: string, url: string): AuditResponse[] {
  let current = httpUrl(url, ": give the URL the headers came from");
  const blocks: { status: number; headers: HeaderPair[] }[] = [];
  let block: { status: number; headers: HeaderPair[] } | undefined;
  for (const raw of String(text).split(/\r?\n/)) {
    const line = raw.replace(/^[<>]\s?/, "");
    const status = STATUS_LINE.exec(line.trim());
    if (status !== null) {
      block = { status: Number(status[1]), headers: [] };
      blocks.push(block);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || /\s/.test(line.slice(0, colon).trim()) || line.slice(0, colon).trim() === "")
      continue;
    if (block === undefined) {
      block = { status: 200, headers: [] };
      blocks.push(block);
    }
    block.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const withHeaders = blocks.filter((b) => b.headers.length > 0 || blocks.length === 1);
  if (withHeaders.every((b) => b.headers.length === 0)) {
    throw new AuditError("ERR_AUDIT_INPUT_INVALID", 'no header lines ("Name: value") in the input');
  }
  const out: AuditResponse[] = [];
  for (const b of withHeaders) {
    out.push({ url: current.href, status: b.status, headers: b.headers });
    const location = b.headers.find(([n]) => n.toLowerCase() === "location")?.[1];
    if (location === undefined) continue;
    try {
      current = new URL(location, current);
    } catch {
      // A Location that is not a URL ends the chain; its finding (if any) is on this hop.
    }
  }
  return out;
}
