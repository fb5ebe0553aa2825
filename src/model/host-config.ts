/* The page's settings that reach a process come from the host, never from the
 * browser: /etc/cockpit/passthrough.conf, writable only by root. Lines of
 * "key = value"; "#" starts a comment. Known keys:
 *   stratovirt-uri = qemu:///system     the libvirt URI of the StratoVirt (virsh)
 *                                       path; tests point it at QEMU.
 * A URI is accepted only in the plain local form: libvirt's remote transports
 * (qemu+ext:///system?command=...) would run a program as root. */

export const HOST_CONFIG = "/etc/cockpit/passthrough.conf";

const URI_RE = /^(qemu|stratovirt):\/\/\/(system|session)$/;

export interface HostConfig {
    stratovirtUri: string | null;
    /** Lines that were ignored, with why (shown nowhere yet, kept for tests and logs). */
    ignored: string[];
}

export function parseHostConfig(text: string | null): HostConfig {
    const config: HostConfig = { stratovirtUri: null, ignored: [] };
    for (const raw of (text ?? "").split("\n")) {
        const line = raw.replace(/#.*$/, "").trim();
        if (line === "")
            continue;
        const m = /^([a-z-]+)\s*=\s*(.*)$/.exec(line);
        if (m?.[1] === "stratovirt-uri" && URI_RE.test(m[2]))
            config.stratovirtUri = m[2];
        else
            config.ignored.push(raw);
    }
    return config;
}
