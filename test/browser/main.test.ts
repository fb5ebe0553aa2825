/* Every browser suite, in one process, sharing one test VM boot (see session.ts). */

import { after, before } from "node:test";
import { startSession, stopSession } from "./session.ts";

import "./suites/inventory.ts";
import "./suites/readiness.ts";
import "./suites/binding.ts";
import "./suites/vms.ts";
import "./suites/sriov.ts";
import "./suites/persistence.ts";
import "./suites/surroundings.ts";
import "./suites/no-iommu.ts";

before(startSession, { timeout: 900_000 });
after(stopSession);
