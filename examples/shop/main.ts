// `npm start`: runs the shop. `--help` lists the options.
import { parseArgs } from "node:util";
import { banner, type StartOptions, startShop } from "./server.js";

const HELP = `usage: npm start -- [options]

  --port N          HTTPS port (default 8443; 0 picks a free one)
  --http-port N     plain HTTP port, redirects only (default 8080)
  --public-port N   the port browsers see, behind a proxy (default: --port)
  --bind ADDR       address to listen on (default 127.0.0.1)
  --www NAME        the shop's host (default www.shop.test)
  --api NAME        the API's host (default api.shop.test)
  --evil NAME       the hostile site's host (default evil.example)
  --store SPEC      memory | sqlite:PATH | redis://HOST:PORT | postgres://USER@HOST/DB
                    (default sqlite:<data>/sessions.db)
  --store-prefix P  names the store's tables or key prefixes (default shop)
  --data DIR        certificate, CSRF secret, default SQLite file (default .shop)
`;

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    console.error(`--${name} must be a port number (0 to 65535), not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" },
      "http-port": { type: "string" },
      "public-port": { type: "string" },
      bind: { type: "string" },
      www: { type: "string" },
      api: { type: "string" },
      evil: { type: "string" },
      store: { type: "string" },
      "store-prefix": { type: "string" },
      data: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${HELP}`);
  process.exit(2);
}
if (values.help === true) {
  process.stdout.write(HELP);
  process.exit(0);
}
const text = (name: string): string | undefined => values[name] as string | undefined;
const hosts: { www?: string; api?: string; evil?: string } = {};
for (const role of ["www", "api", "evil"] as const) {
  const name = text(role);
  if (name === undefined) continue;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(name)) {
    console.error(
      `--${role} must be a DNS name such as www.shop.test, not ${JSON.stringify(name)}`,
    );
    process.exit(2);
  }
  hosts[role] = name;
}
const options: StartOptions = { hosts };
const set = <K extends keyof StartOptions>(key: K, value: StartOptions[K] | undefined): void => {
  if (value !== undefined) options[key] = value;
};
set("port", port("port", text("port")));
set("httpPort", port("http-port", text("http-port")));
set("publicPort", port("public-port", text("public-port")));
set("bind", text("bind"));
set("store", text("store"));
set("storePrefix", text("store-prefix"));
set("dataDir", text("data"));

try {
  const running = await startShop(options);
  process.stdout.write(banner(running));
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  const e = error as Error & { code?: string; port?: number };
  const hint =
    e.code === "EADDRINUSE"
      ? ` (port ${e.port} is taken: choose others with --port and --http-port, or 0 for free ones)`
      : "";
  console.error(`the shop could not start: ${e.message}${hint}`);
  process.exit(1);
}
