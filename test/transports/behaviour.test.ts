// Every transport through the same behavioural suite as the opaque cookie, over real HTTP, on
// the node adapter and the Web one.
import { testAdapter } from "../sessions/behaviour.js";
import { startNode, startWeb } from "../sessions/servers.js";
import { VARIANTS } from "./variants.js";

for (const variant of VARIANTS) {
  testAdapter("node http", startNode, variant);
  testAdapter("web", startWeb, variant);
}
