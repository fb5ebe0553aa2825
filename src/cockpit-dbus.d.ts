// SPDX-License-Identifier: LGPL-2.1-or-later
/* Two DBusClient methods that cockpit.js has (since long before 287) and that
 * Cockpit 337's cockpit.d.ts does not declare yet: signal subscriptions and the
 * "close" event. Merged into its declarations, not a copy of them. */
export {};

declare module "cockpit" {
    interface DBusSignalMatch {
        path?: string;
        interface?: string;
        member?: string;
        path_namespace?: string;
    }

    interface DBusClient {
        subscribe(match: DBusSignalMatch,
                  callback: (path: string, iface: string, signal: string, args: unknown[]) => void): { remove(): void };
        addEventListener(event: "close", callback: (event: unknown, options: { problem?: string }) => void): void;
    }
}
