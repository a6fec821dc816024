import { testAdapter } from "../../../test/sessions/behaviour.js";
import { nodeApp } from "../../../test/sessions/serve.js";

testAdapter("node http", nodeApp);
