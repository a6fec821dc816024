// Every transport through the same behavioural suite as the opaque cookie, over real HTTP, on
// the node adapter and the Web one.
import { testAdapter } from "../sessions/behaviour.js";
import { nodeApp, webApp } from "../sessions/serve.js";
import { VARIANTS } from "./variants.js";

for (const variant of VARIANTS) {
  testAdapter("node http", nodeApp, variant);
  testAdapter("web", webApp, variant);
}
