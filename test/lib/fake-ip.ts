// SPDX-License-Identifier: LGPL-2.1-or-later
/* A fake `ip` for the reader's tests and benchmark: `ip -j -d -force -batch -`
 * answers each "link show dev <if>" line with <dir>/links/<if>.json (one line
 * of JSON, as the real one prints), and counts its own runs in <dir>/runs, so
 * a test can see how many processes a snapshot started. */

import fs from "node:fs";
import path from "node:path";

const SCRIPT = `#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/runs"
while read -r obj cmd dev name; do
    [ "$obj $cmd $dev" = "link show dev" ] || continue
    if [ -f "$dir/links/$name.json" ]; then cat "$dir/links/$name.json"; else echo "Device \\"$name\\" does not exist." >&2; fi
done
`;

/** Makes <dir>/ip; `links` maps an interface name to what `ip -j -d link show dev` prints for it. */
export function writeFakeIp(dir: string, links: Record<string, unknown[]>): void {
    fs.mkdirSync(path.join(dir, "links"), { recursive: true });
    fs.writeFileSync(path.join(dir, "ip"), SCRIPT, { mode: 0o755 });
    for (const [name, json] of Object.entries(links))
        fs.writeFileSync(path.join(dir, "links", `${name}.json`), JSON.stringify(json) + "\n");
}

/** The argument lists the fake ip was run with, one per run. */
export function fakeIpRuns(dir: string): string[] {
    const file = path.join(dir, "runs");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
}

/* A fake `ip` with state, for the executor's VF settings (issue 14): each VF
 * of one PF interface keeps "<mac> <vlan> <qos> <spoofchk> <trust> <state>
 * <min> <max>" in <dir>/vf-state/<n>. It answers `ip -d link show dev <pf>` in
 * iproute2's text format (even VFs as iproute2 6.x prints them, odd VFs as
 * older versions did: "MAC", "tx rate", no trust) and applies
 * `ip link set dev <pf> vf <n> ...` all at once or not at all, refusing what
 * QEMU's emulated igb refuses: "state enable" (Operation not supported) and
 * "max_tx_rate 100" (Invalid argument), exit 2. Anything else (the
 * executor's route and address queries) prints nothing. Runs are logged in
 * <dir>/runs (fakeIpRuns). */
const STATEFUL_SCRIPT = (pf: string) => `#!/bin/sh
dir=$(dirname "$0")
pf='${pf}'
echo "$*" >> "$dir/runs"
state=$dir/vf-state
if [ "$1 $2 $3 $4" = "-d link show dev" ]; then
    if [ "$5" != "$pf" ]; then echo "Device \\"$5\\" does not exist." >&2; exit 1; fi
    echo "2: $pf: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default qlen 1000"
    echo "    link/ether 52:54:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff promiscuity 0 allmulti 0 minmtu 68 maxmtu 9216 numtxqueues 8 numrxqueues 8 parentbus pci parentdev 0000:03:00.0"
    i=0
    while [ -f "$state/$i" ]; do
        read -r mac vlan qos spoof trust st min max < "$state/$i"
        if [ $((i % 2)) = 0 ]; then
            line="    vf $i     link/ether $mac brd ff:ff:ff:ff:ff:ff"
            [ "$vlan" = 0 ] || line="$line, vlan $vlan"
            [ "$qos" = 0 ] || line="$line, qos $qos"
            [ "$max" = 0 ] || line="$line, max_tx_rate \${max}Mbps"
            [ "$min" = 0 ] || line="$line, min_tx_rate \${min}Mbps"
            line="$line, spoof checking $spoof, link-state $st, trust $trust, query_rss off"
        else
            line="    vf $i MAC $mac"
            [ "$vlan" = 0 ] || line="$line, vlan $vlan"
            [ "$qos" = 0 ] || line="$line, qos $qos"
            [ "$max" = 0 ] || line="$line, tx rate $max (Mbps), max_tx_rate \${max}Mbps"
            [ "$min" = 0 ] || line="$line, min_tx_rate \${min}Mbps"
            line="$line, spoof checking $spoof, link-state $st"
        fi
        echo "$line"
        i=$((i + 1))
    done
    echo "    altname enp3s0f0"
    exit 0
fi
if [ "$1 $2 $3" = "link set dev" ] && [ "$5" = vf ]; then
    if [ "$4" != "$pf" ]; then echo "Cannot find device \\"$4\\"" >&2; exit 1; fi
    n=$6
    if [ ! -f "$state/$n" ]; then echo "RTNETLINK answers: Invalid argument" >&2; exit 2; fi
    read -r mac vlan qos spoof trust st min max < "$state/$n"
    shift 6
    while [ $# -gt 0 ]; do
        case $1 in
        mac) mac=$2 ;;
        vlan) vlan=$2 qos=0 ;;
        qos) qos=$2 ;;
        spoofchk) spoof=$2 ;;
        trust) trust=$2 ;;
        state)
            if [ "$2" = enable ]; then echo "RTNETLINK answers: Operation not supported" >&2; exit 2; fi
            st=$2 ;;
        min_tx_rate) min=$2 ;;
        max_tx_rate)
            if [ "$2" = 100 ]; then echo "RTNETLINK answers: Invalid argument" >&2; exit 2; fi
            max=$2 ;;
        *) echo "Error: argument \\"$1\\" is wrong" >&2; exit 255 ;;
        esac
        shift 2
    done
    echo "$mac $vlan $qos $spoof $trust $st $min $max" > "$state/$n"
    exit 0
fi
exit 0
`;

/** The default state of a VF in the stateful fake: no MAC, no VLAN, spoof check on, trust off, link state auto, no rates. */
export const FAKE_VF_DEFAULT = "00:00:00:00:00:00 0 0 on off auto 0 0";

/** Makes <dir>/ip, the stateful fake, for the interface `pfName` with VFs 0..vfCount-1 in their default state. */
export function writeStatefulFakeIp(dir: string, pfName: string, vfCount: number): void {
    if (!/^[A-Za-z0-9_.:-]+$/.test(pfName))
        throw new Error(`fake ip: unusual interface name ${pfName}`);
    fs.mkdirSync(path.join(dir, "vf-state"), { recursive: true });
    fs.writeFileSync(path.join(dir, "ip"), STATEFUL_SCRIPT(pfName), { mode: 0o755 });
    for (let i = 0; i < vfCount; i++)
        fs.writeFileSync(path.join(dir, "vf-state", String(i)), FAKE_VF_DEFAULT + "\n");
}

/** The stateful fake's state of VF n ("<mac> <vlan> <qos> <spoofchk> <trust> <state> <min> <max>"). */
export function fakeVfState(dir: string, n: number): string {
    return fs.readFileSync(path.join(dir, "vf-state", String(n)), "utf8").trim();
}

/** Sets the stateful fake's state of VF n, as if changed behind the executor's back. */
export function setFakeVfState(dir: string, n: number, state: string): void {
    fs.writeFileSync(path.join(dir, "vf-state", String(n)), state + "\n");
}
