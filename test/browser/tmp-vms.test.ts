/* Temporary: only the VM suite (deleted after the run). */
import { after, before } from "node:test";
import { startSession, stopSession } from "./session.ts";

import "./suites/vms.ts";

before(startSession, { timeout: 900_000 });
after(stopSession);
