import {
  CookieJar,
  formatJarExplanation,
  isProfileName,
  JarError,
  type RequestContext,
} from "../jar/index.js";
import type { CliIo } from "./main.js";

/** The options of `sessionjar explain --set-cookie`. */
export interface SetCookieExplainOptions {
  readonly "set-cookie": readonly string[];
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly initiator?: string | undefined;
  readonly type?: string | undefined;
  readonly method?: string | undefined;
  readonly frame: readonly string[];
  readonly profile?: string | undefined;
  readonly json: boolean;
}

const TYPES = ["navigation", "frame", "subresource"] as const;

/** `sessionjar explain --set-cookie "…" --from URL --to URL …`: exit 0 when the cookie is sent. */
export function explainSetCookie(o: SetCookieExplainOptions, io: CliIo): number {
  if (o.from === undefined || o.to === undefined) {
    io.err("sessionjar explain: --set-cookie needs --from URL and --to URL\n");
    return 2;
  }
  const profile = o.profile ?? "rfc6265bis";
  if (!isProfileName(profile)) {
    io.err(`sessionjar explain: --profile must be rfc6265bis or chromium, not "${profile}"\n`);
    return 2;
  }
  const type = o.type ?? "navigation";
  if (!(TYPES as readonly string[]).includes(type)) {
    io.err(`sessionjar explain: --type must be navigation, frame or subresource, not "${type}"\n`);
    return 2;
  }
  const context: RequestContext = {
    type: type as RequestContext["type"] & string,
    ...(o.initiator === undefined ? {} : { initiator: o.initiator }),
    ...(o.method === undefined ? {} : { method: o.method }),
    ...(o.frame.length === 0 ? {} : { frames: o.frame }),
  };
  const jar = new CookieJar({ profile });
  let stored: ReturnType<CookieJar["setCookie"]>[];
  let explanation: ReturnType<CookieJar["explain"]>;
  try {
    stored = o["set-cookie"].map((line) => jar.setCookie(line, o.from as string));
    explanation = jar.explain(o.to, context);
  } catch (error) {
    if (!(error instanceof JarError)) throw error;
    io.err(`sessionjar explain: ${error.message}\n`);
    return 2;
  }
  const sent =
    stored.length > 0 && stored.every((r) => r.type === "stored") && explanation.header !== "";
  if (o.json) {
    io.out(`${JSON.stringify({ profile, set: stored, explanation }, null, 2)}\n`);
    return sent ? 0 : 1;
  }
  let text = "";
  o["set-cookie"].forEach((line, i) => {
    const r = stored[i];
    if (r?.type === "rejected") text += `not stored: ${line}\n  ${r.message}\n`;
    else if (r?.type === "deleted") text += `deleted on arrival (already expired): ${line}\n`;
    else text += `stored from ${o.from}: ${line}\n`;
  });
  io.out(`${text}\n${formatJarExplanation(explanation)}`);
  return sent ? 0 : 1;
}
