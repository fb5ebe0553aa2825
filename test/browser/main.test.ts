/* The browser suites of one test host (PASSTHROUGH_HOST, default x86_64; the
 * matrix is in test/vm/hosts.ts), in one process, sharing one VM boot (see
 * session.ts). `make check-browser` runs this once per host of HOSTS. */

import { after, before } from "node:test";
import { HOST, startSession, stopSession } from "./session.ts";

// The hooks first: the runner starts the first suite while the imports below await.
before(startSession, { timeout: 900_000 + HOST.bootTimeoutS * 1000 });
after(stopSession);

// Registration order is run order; each host lists its suites.
for (const suite of HOST.suites)
    await import(`./suites/${suite}.ts`);
