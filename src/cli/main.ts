import { readFileSync } from "node:fs";
import { audit } from "./audit.js";
import { explain } from "./explain.js";
import { jar } from "./jar.js";

const HELP = `sessionjar — session transport over HTTP done right

Usage:
  sessionjar <command> [options]

Commands:
  audit URL | --har FILE | --headers FILE
                                       name every cookie pitfall, with the fix
                                       (sessionjar audit --help)
  explain --cors URL --origin ORIGIN   will the browser expose this response, and send and
                                       store its cookies? (sessionjar explain --help)
  explain --set-cookie "…" --from URL --to URL
                                       does that request carry the cookie, check by check?
  jar run FILE... [--profile NAME]     replay jar scenarios (sessionjar jar --help)

Options:
  -h, --help       show this help
  -v, --version    print the version

Docs: https://www.npmjs.com/package/sessionjar
`;

/** Where the command writes; the real process streams, or buffers in tests. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the `sessionjar` command with `argv` (without node and the script) and returns its exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    io.out(HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === "-v" || first === "--version") {
    io.out(`${version()}\n`);
    return 0;
  }
  if (first === "explain") return explain(argv.slice(1), io);
  if (first === "audit") return audit(argv.slice(1), io);
  if (first === "jar") return jar(argv.slice(1), io);
  io.err(`sessionjar: unknown command or option "${first}"\n\n${HELP}`);
  return 2;
}
