/* The host's available memory, for the locked-memory check: /proc/meminfo
 * through a file channel (no process). */

import cockpit from "cockpit";
import { memAvailableKiB } from "../model/memory-lock.ts";

export async function readMemAvailableKiB(): Promise<number | null> {
    const file = cockpit.file("/proc/meminfo");
    try {
        return memAvailableKiB(await file.read() ?? "");
    } catch {
        return null;
    } finally {
        file.close();
    }
}
