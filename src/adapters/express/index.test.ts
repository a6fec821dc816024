// The behavioural suite over real HTTP, through this adapter (the server is in test/sessions/servers.ts).
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startExpress } from "../../../test/sessions/servers.js";

testAdapter("express", startExpress);
