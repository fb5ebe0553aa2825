// SPDX-License-Identifier: LGPL-2.1-or-later
/* "View automation script": the same change as virsh commands a user can
 * paste into a shell. Every data value is single-quoted; XML goes in a quoted
 * heredoc (no expansion) whose delimiter cannot occur in the XML. */

import type { Connection } from "./assignments.ts";

export const CONNECTION_URIS: Record<Connection, string> = {
    qemu: "qemu:///system",
    stratovirt: "stratovirt:///system",
};

/** POSIX shell single-quoting: safe for any string, including quotes and newlines. */
export function shellQuote(value: string): string {
    if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value))
        return value;
    return "'" + value.replace(/'/g, "'\\''") + "'";
}

function heredocDelimiter(body: string): string {
    const lines = new Set(body.split("\n"));
    let delimiter = "EOF_XML";
    for (let i = 1; lines.has(delimiter); i++)
        delimiter = `EOF_XML_${i}`;
    return delimiter;
}

/** `cat > "$var" <<'EOF' ... EOF`: writes the XML into the temp file named by $var. */
function writeFile(variable: string, xml: string): string[] {
    const body = xml.trim();
    const delimiter = heredocDelimiter(body);
    return [`${variable}=$(mktemp)`, `cat > "$${variable}" <<'${delimiter}'`, body, delimiter];
}

export interface DeviceChangeScript {
    connection: Connection;
    domain: string;
    /** One fragment per device element. */
    fragments: readonly string[];
    /** Change the stored definition (from next boot). */
    config: boolean;
    /** Change the running VM now. */
    live: boolean;
    /** Lines for the reader (e.g. how to see the MAC libvirt sets on a VF), printed as # comments. */
    comments?: readonly string[];
}

function header(comments: readonly string[] = []): string[] {
    // One line each: a newline inside a comment would turn the rest into a command.
    return ["#!/bin/sh", "set -eu", ...comments.map(c => "# " + c.replace(/\s*\n\s*/g, " "))];
}

/** attach-device per fragment, with --config and/or --live. QEMU only: StratoVirt has no attach-device. */
export function attachScript(s: DeviceChangeScript): string {
    return deviceScript("attach-device", s);
}

/** detach-device per fragment; the fragments must come from the XML that the flag affects
 * (inactive XML for --config, live XML for --live), so call it once per flag. */
export function detachScript(s: DeviceChangeScript): string {
    return deviceScript("detach-device", s);
}

function deviceScript(command: string, s: DeviceChangeScript): string {
    if (!s.config && !s.live)
        throw new Error("neither --config nor --live");
    const uri = CONNECTION_URIS[s.connection];
    const flags = [s.config ? "--config" : null, s.live ? "--live" : null].filter(Boolean).join(" ");
    const lines = header(s.comments);
    s.fragments.forEach((fragment, i) => {
        lines.push("", ...writeFile(`xml${i}`, fragment),
                   `virsh -c ${shellQuote(uri)} ${command} --domain ${shellQuote(s.domain)} --file "$xml${i}" ${flags}`,
                   `rm -f "$xml${i}"`);
    });
    return lines.join("\n") + "\n";
}

/** The StratoVirt way (no live attach): replace the stored definition with the edited XML.
 * The first command shows the definition the edit was based on, for comparison. */
export function defineScript(connection: Connection, domain: string, newXml: string, comments: readonly string[] = []): string {
    const uri = shellQuote(CONNECTION_URIS[connection]);
    return [
        ...header(comments),
        "",
        `# The definition this change is based on:`,
        `virsh -c ${uri} dumpxml --inactive --security-info --domain ${shellQuote(domain)}`,
        "",
        ...writeFile("xml", newXml),
        `virsh -c ${uri} define --file "$xml"`,
        `rm -f "$xml"`,
    ].join("\n") + "\n";
}

/** "Create VM from XML": define (persistent) or create (transient, started). */
export function createScript(connection: Connection, xml: string, mode: "define" | "create"): string {
    return [
        ...header(),
        "",
        ...writeFile("xml", xml),
        `virsh -c ${shellQuote(CONNECTION_URIS[connection])} ${mode} --file "$xml"`,
        `rm -f "$xml"`,
    ].join("\n") + "\n";
}
