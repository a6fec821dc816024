// A loopback TCP forwarder to a real server that a test can cut and restore: the outage a store
// sees when its server crashes or the network fails (open connections reset, new ones refused),
// without stopping a server that other tests share.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface CuttableLink {
  /** The loopback port to connect to instead of the server's. */
  readonly port: number;
  /** Resets every open connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections on the same port again. */
  restore(): Promise<void>;
  /** Cuts for good. */
  close(): Promise<void>;
}

export async function cuttableLink(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<CuttableLink> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const forward = (client: Socket): void => {
    const upstream = connect(targetPort, targetHost);
    track(client);
    track(upstream);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  };
  const listen = async (port: number): Promise<Server> => {
    const s = createServer(forward);
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", resolve);
    });
    return s;
  };
  let server: Server | undefined = await listen(0);
  const port = (server.address() as { port: number }).port;
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    if (s !== undefined) await new Promise((r) => s.close(r));
  };
  return {
    port,
    cut,
    async restore() {
      if (server === undefined) server = await listen(port);
    },
    close: cut,
  };
}
