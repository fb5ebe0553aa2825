// SPDX-License-Identifier: LGPL-2.1-or-later
/* Typed access to Cockpit's runtime (cockpit.js).
 *
 * cockpit.js is not an npm package: cockpit-ws serves it at ../base1/cockpit.js
 * and index.html loads it before our bundle, which leaves a global `cockpit`.
 * These declarations cover only the subset this plugin uses (Cockpit >= 287).
 */

export interface SpawnOptions {
    superuser?: "require" | "try";
    err?: "out" | "ignore" | "message";
    environ?: string[];
    directory?: string;
    binary?: false;
}

/** What a failed spawn/script rejects with. */
export interface ProcessError {
    problem: string | null;
    exit_status: number | null;
    exit_signal: number | null;
    message: string;
}

export interface CockpitProcess extends Promise<string> {
    stream(cb: (data: string) => void): CockpitProcess;
    input(data?: string, stream?: boolean): CockpitProcess;
    close(problem?: string): void;
}

export interface FileHandle {
    read(): Promise<string | null>;
    /** Writes a temp file and renames it: fine for /etc, refused by sysfs. */
    replace(content: string | null, expectedTag?: string): Promise<string>;
    close(): void;
}

export interface DBusCallOptions {
    type?: string;
    flags?: string;
    timeout?: number;
}

export interface DBusClient {
    call(path: string, iface: string, method: string, args: unknown[] | null, options?: DBusCallOptions): Promise<unknown[]>;
    subscribe(match: { path?: string; interface?: string; member?: string; path_namespace?: string },
              callback: (path: string, iface: string, signal: string, args: unknown[]) => void): { remove(): void };
    wait(): Promise<void>;
    close(problem?: string): void;
    addEventListener(event: "close", cb: (event: unknown, options: { problem?: string }) => void): void;
}

export interface Permission {
    allowed: boolean | null;
    addEventListener(event: "changed", cb: () => void): void;
    removeEventListener(event: "changed", cb: () => void): void;
    close(): void;
}

export interface Transport {
    origin: string;
    host: string;
}

export interface Cockpit {
    spawn(args: string[], options?: SpawnOptions): CockpitProcess;
    script(script: string, args?: string[], options?: SpawnOptions): CockpitProcess;
    file(path: string, options?: { superuser?: "require" | "try"; max_read_size?: number }): FileHandle;
    dbus(name: string | null, options?: { bus?: string; superuser?: "require" | "try" }): DBusClient;
    permission(options: { admin: boolean }): Permission;
    gettext(message: string): string;
    gettext(context: string, message: string): string;
    ngettext(singular: string, plural: string, n: number): string;
    format(template: string, ...args: unknown[]): string;
    language: string;
    transport: Transport;
}

declare global {
    interface Window { cockpit: Cockpit }
}

const cockpit: Cockpit = window.cockpit;
export default cockpit;
