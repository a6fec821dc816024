import { testAdapter } from "../../../test/sessions/behaviour.js";
import { webApp } from "../../../test/sessions/serve.js";

testAdapter("web (Request/Response)", webApp);
