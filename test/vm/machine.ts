// SPDX-License-Identifier: LGPL-2.1-or-later
// A throw-away Debian 12 test host in QEMU (TCG, no KVM needed) with an
// emulated IOMMU (Intel VT-d on x86_64, SMMUv3 on aarch64), two e1000e NICs
// and an SR-IOV NVMe (x86_64: also an SR-IOV NIC): real kernel semantics for the plugin's sysfs, vfio and
// libvirt code. See shared/REFERENCE.md section 5; the kinds of host are in
// hosts.ts, their images come from build-image.sh <kind>.
//
// Guest PCI layout (fixed, tests rely on it):
//   00:01.0 VGA (x86_64: QEMU default, the boot VGA)   00:04.0 NVMe, SR-IOV (4 VFs)
//   00:02.0 e1000e (no backend)                00:05.0 virtio-net, user net + hostfwd
//   00:03.0 e1000e (no backend)                00:06.0 virtio-blk root disk
// x86_64 kinds only (test/vm/hosts.ts):
//   00:07.0 igb (Intel 82576, no backend): an SR-IOV NIC, up to 7 VFs (igbvf),
//           each VF in its own IOMMU group with a netdev; needs QEMU 8 or later
//   00:08.0 e1000, multifunction, with 00:08.1 e1000: one card, one IOMMU group,
//           no FLR, PM or bus reset (root bus): no reset method at all
//   00:09.0 pxb-pcie on NUMA node 1 (its root bus is 80); 80:00.0 root port,
//           81:00.0 e1000e on NUMA node 1
// Two NUMA nodes, one vCPU and half the memory each.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, mkdirSync, writeFileSync, truncateSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOSTS, type HostSpec } from './hosts.ts';

export interface MachineOptions {
    host?: HostSpec; // default x86_64
    iommu?: boolean; // default true
    disk?: 'snapshot' | 'overlay'; // overlay: qcow2 file that survives reboot(), deleted on stop()
    logDir?: string; // serial.log goes here (kept); default: the machine's temp dir (deleted)
}

export interface SshResult { stdout: string; stderr: string; code: number }

export interface Machine {
    cockpitUrl: string; // http://127.0.0.1:<port>
    user: string;
    password: string;
    /** Runs as root. An argv array is quoted for the remote shell; a string is shell text.
     *  check (default true) throws on a non-zero exit. */
    ssh(command: string | string[], opts?: { input?: string | Buffer; check?: boolean }): Promise<SshResult>;
    /** Copies distDir to /usr/share/cockpit/passthrough/ (Cockpit reads it at the next login). */
    installPlugin(distDir: string): Promise<void>;
    /** Installs a .deb with apt, as an admin would (Cockpit reads it at the next login). */
    installDeb(debFile: string): Promise<void>;
    /** Stops QEMU and boots again (overlay: after a clean guest poweroff, so writes persist). */
    reboot(opts?: { iommu?: boolean }): Promise<void>;
    /** `journalctl -b` of the guest, or why it could not be read plus the serial log tail. */
    journal(): Promise<string>;
    stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

// Every QEMU and ssh master this process started, and the machines' temp dirs:
// cleaned up synchronously when the process ends for any reason Node still
// sees; setpriv --pdeathsig covers a SIGKILL of Node.
const children = new Set<ChildProcess>();
const tmpDirs = new Set<string>();
let hooked = false;
function killAll(): void {
    for (const p of children) p.kill('SIGKILL');
    for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
    children.clear();
    tmpDirs.clear();
}

/** Spawns a child that gets SIGKILL when this process dies (setpriv execs, same pid). */
function spawnTied(argv: string[]): ChildProcess {
    const p = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(p);
    p.on('exit', () => children.delete(p));
    p.stderr!.resume(); // never let an unread pipe block it
    return p;
}
function hookProcessExit(): void {
    if (hooked) return;
    hooked = true;
    process.on('exit', killAll);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.once(sig, () => {
            killAll();
            // Keep the default behaviour (die by the signal) unless someone else listens.
            if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        });
    }
}

function run(cmd: string, args: string[], input?: string | Buffer): Promise<SshResult> {
    return new Promise((resolve, reject) => {
        const p = execFile(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
            if (err && typeof err.code !== 'number') reject(err);
            else resolve({ stdout, stderr, code });
        });
        p.stdin?.end(input ?? '');
    });
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const addr = srv.address();
            srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
        });
    });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function tail(file: string, lines = 40): string {
    if (!existsSync(file)) return '(no serial log)';
    // Without systemd's colour codes, which make test logs unreadable.
    // eslint-disable-next-line no-control-regex -- removing the console's colour escapes is the point
    return readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(-lines).join('\n');
}

/** Temp dirs of processes that died by SIGKILL (their QEMU died with them). */
function removeStaleTmpDirs(): void {
    for (const name of readdirSync(tmpdir())) {
        const pid = Number(/^passthrough-vm-(\d+)-/.exec(name)?.[1]);
        if (!pid) continue;
        try {
            process.kill(pid, 0);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
        }
    }
}

/** Builds the image if needed; returns its directory (last stdout line of build-image.sh). */
async function imageDir(host: HostSpec): Promise<string> {
    const script = join(here, 'build-image.sh');
    const out = await new Promise<string>((resolve, reject) => {
        // stderr inherited: the build's progress shows in the test log.
        const p = spawn('bash', [script, host.kind], { stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        p.stdout.on('data', d => (stdout += d));
        p.on('error', reject);
        p.on('close', code => (code === 0 ? resolve(stdout) : reject(new Error(`${script} failed (exit ${code})`))));
    });
    return out.trim().split('\n').at(-1)!;
}

export async function startMachine(opts: MachineOptions = {}): Promise<Machine> {
    hookProcessExit();
    const host = opts.host ?? HOSTS.x86_64;
    const BOOT_TIMEOUT_MS = Number(process.env.PASSTHROUGH_VM_BOOT_TIMEOUT ?? host.bootTimeoutS) * 1000;
    const image = await imageDir(host);
    removeStaleTmpDirs();
    const tmp = mkdtempSync(join(tmpdir(), `passthrough-vm-${process.pid}-`));
    tmpDirs.add(tmp);
    const logDir = opts.logDir ?? tmp;
    mkdirSync(logDir, { recursive: true });
    const serialLog = join(logDir, 'serial.log');
    const key = join(image, 'id_ed25519');
    const disk = opts.disk ?? 'snapshot';
    let iommu = opts.iommu ?? true;
    let webPort = 0, sshPort = 0;
    let proc: ChildProcess | undefined; // QEMU
    let master: ChildProcess | undefined; // ssh ControlMaster
    const controlPath = join(tmp, 'ssh');
    let stderrTail = '';

    // Namespace data disk for the NVMe, and the overlay if asked: both in tmp.
    writeFileSync(join(tmp, 'nvme.raw'), '');
    truncateSync(join(tmp, 'nvme.raw'), 64 << 20);
    let rootDrive = `file=${join(image, 'disk.raw')},format=raw,snapshot=on,cache=unsafe`;
    if (disk === 'overlay') {
        const overlay = join(tmp, 'root.qcow2');
        const r = await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', join(image, 'disk.raw'), overlay]);
        if (r.code !== 0) throw new Error(`qemu-img: ${r.stderr}`);
        rootDrive = `file=${overlay},format=qcow2`;
    }

    function qemuArgs(): string[] {
        const append = host.kernelArgs(iommu);
        return [
            ...host.machineArgs(iommu), '-m', '3G', '-smp', '2',
            '-display', 'none', '-monitor', 'none', '-parallel', 'none',
            '-chardev', `file,id=serial0,path=${serialLog},append=on`, '-serial', 'chardev:serial0',
            '-kernel', join(image, 'vmlinuz'), '-initrd', join(image, 'initrd.img'), '-append', append.join(' '),
            '-device', 'e1000e,addr=02.0', '-device', 'e1000e,addr=03.0',
            '-drive', `file=${join(tmp, 'nvme.raw')},if=none,id=nvmedrive,format=raw`,
            '-device', 'nvme-subsys,id=subsys0',
            '-device', 'nvme,id=nvme0,serial=passthrough0,subsys=subsys0,sriov_max_vfs=4,sriov_vq_flexible=8,' +
                'sriov_vi_flexible=4,max_ioqpairs=12,msix_qsize=8,addr=04.0',
            '-device', 'nvme-ns,drive=nvmedrive,bus=nvme0,nsid=1',
            '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${webPort}-:9090,hostfwd=tcp:127.0.0.1:${sshPort}-:22`,
            '-device', 'virtio-net-pci,netdev=net0,addr=05.0',
            '-drive', `${rootDrive},if=none,id=root`, '-device', 'virtio-blk-pci,drive=root,addr=06.0',
            // What surrounds a device (x86_64 kinds): an SR-IOV NIC, a
            // multifunction pair, a bridge on NUMA node 1 with a device behind it.
            ...host.arch === 'x86_64'
                ? ['-device', 'igb,addr=07.0',
                    '-device', 'e1000,addr=08.0,multifunction=on', '-device', 'e1000,addr=08.1',
                    '-device', 'pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0,addr=09.0',
                    '-device', 'pcie-root-port,id=pxbport,bus=pxb1,chassis=9,slot=0,addr=00.0',
                    '-device', 'e1000e,bus=pxbport,addr=00.0']
                : [],
        ];
    }

    function launch(): ChildProcess {
        const p = spawnTied([host.qemu, ...qemuArgs()]);
        stderrTail = '';
        p.stderr!.on('data', d => (stderrTail = (stderrTail + d).slice(-4000)));
        return p;
    }

    const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;

    async function killQemu(): Promise<void> {
        master?.kill('SIGKILL');
        master = undefined;
        const p = proc;
        proc = undefined;
        if (!p || exited(p)) return;
        const gone = new Promise(resolve => p.once('exit', resolve));
        p.kill('SIGTERM');
        if (!await Promise.race([gone.then(() => true), sleep(5000).then(() => false)])) {
            p.kill('SIGKILL');
            await gone;
        }
    }

    // A login costs ~3 s in the TCG guest (key exchange, PAM, logind); commands
    // through the master connection take ~0.3 s. Without a master socket ssh
    // silently connects on its own.
    const sshArgs = () => ['-i', key, '-p', String(sshPort), '-o', 'StrictHostKeyChecking=no',
        '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes',
        '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=10', '-o', `ControlPath=${controlPath}`];

    async function startMaster(): Promise<void> {
        rmSync(controlPath, { force: true }); // stale after a killed master
        master = spawnTied(['ssh', ...sshArgs(), '-o', 'ControlMaster=yes', '-o', 'ControlPersist=no',
            '-o', 'ServerAliveInterval=5', '-N', 'root@127.0.0.1']);
        for (let i = 0; i < 60 && !existsSync(controlPath) && !exited(master); i++) await sleep(500);
    }

    async function ssh(command: string | string[], o: { input?: string | Buffer; check?: boolean } = {}): Promise<SshResult> {
        const text = Array.isArray(command) ? command.map(shellQuote).join(' ') : command;
        const r = await run('ssh', [...sshArgs(), '-o', 'ControlMaster=no', 'root@127.0.0.1', '--', text], o.input);
        if (r.code !== 0 && o.check !== false)
            throw new Error(`ssh ${JSON.stringify(text)} exited ${r.code}: ${r.stderr.trim()}`);
        return r;
    }

    async function boot(): Promise<void> {
        const t0 = Date.now();
        for (let attempt = 1; ; attempt++) {
            if (!webPort || attempt > 1) [webPort, sshPort] = [await freePort(), await freePort()];
            const p = proc = launch();
            await sleep(1000);
            if (!exited(p)) break;
            // Most likely a port taken between freePort() and QEMU's bind: retry.
            if (attempt === 3) throw new Error(`QEMU exited at start (${p.exitCode ?? p.signalCode}):\n${stderrTail}`);
        }
        const deadline = t0 + BOOT_TIMEOUT_MS;
        let sshOk = false, lastError = '';
        while (Date.now() < deadline) {
            if (!proc || exited(proc))
                throw new Error(`QEMU exited during boot (${proc?.exitCode ?? proc?.signalCode}):\n${stderrTail}\n` +
                    `--- serial log tail (${serialLog}) ---\n${tail(serialLog)}`);
            try {
                if (!sshOk) {
                    const r = await ssh('true', { check: false });
                    sshOk = r.code === 0;
                    lastError = `ssh: ${r.stderr.trim()}`;
                }
                if (sshOk) {
                    const res = await fetch(`http://127.0.0.1:${webPort}/`, { signal: AbortSignal.timeout(10000) });
                    if (res.status === 200) {
                        await startMaster();
                        if (process.env.PASSTHROUGH_VM_DEBUG)
                            console.error(`machine: booted in ${(Date.now() - t0) / 1000} s`);
                        return;
                    }
                    lastError = `cockpit: HTTP ${res.status}`;
                }
            } catch (e) {
                lastError = String(e);
            }
            await sleep(1000);
        }
        await killQemu();
        throw new Error(`test VM not ready after ${BOOT_TIMEOUT_MS / 1000} s (last: ${lastError})\n` +
            `--- serial log tail (${serialLog}) ---\n${tail(serialLog)}`);
    }

    let stopped = false;
    async function stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        await killQemu();
        rmSync(tmp, { recursive: true, force: true });
        tmpDirs.delete(tmp);
    }

    try {
        await boot();
    } catch (e) {
        await stop();
        throw e;
    }

    return {
        get cockpitUrl() { return `http://127.0.0.1:${webPort}`; },
        user: 'admin',
        password: 'foobar',
        ssh,
        async installPlugin(distDir: string) {
            const tar = await new Promise<Buffer>((resolve, reject) =>
                execFile('tar', ['-C', distDir, '--owner=0', '--group=0', '-cf', '-', '.'],
                    { encoding: 'buffer', maxBuffer: 256 << 20 }, (err, out) => (err ? reject(err) : resolve(out))));
            await ssh('d=/usr/share/cockpit/passthrough; rm -rf "$d" && mkdir -p "$d" && tar -C "$d" -xf -', { input: tar });
        },
        async installDeb(debFile: string) {
            const copy = `/tmp/${basename(debFile)}`;
            await ssh(['sh', '-c', 'cat >"$1"', 'sh', copy], { input: readFileSync(debFile) });
            // apt, not dpkg -i, so that Depends are resolved. The guest has no
            // network: everything the package depends on is in the image, and
            // of its Recommends libvirt-dbus is too but driverctl is not (the
            // suites test the page's udev-rule persistence, which is what a
            // host without driverctl uses), so recommends are left out.
            await ssh(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q',
                '--no-install-recommends', copy]);
        },
        async reboot(o: { iommu?: boolean } = {}) {
            if (o.iommu !== undefined) iommu = o.iommu;
            if (disk === 'overlay' && proc && !exited(proc)) {
                // A clean poweroff so that the overlay holds a consistent fs.
                const p = proc;
                const gone = new Promise(resolve => p.once('exit', resolve));
                await ssh('sync; systemctl poweroff', { check: false });
                await Promise.race([gone, sleep(120000)]);
            }
            await killQemu();
            await boot();
        },
        async journal() {
            try {
                const r = await ssh('journalctl -b --no-pager', { check: false });
                if (r.code === 0) return r.stdout;
                return `journalctl failed (${r.code}): ${r.stderr}\n--- serial log tail ---\n${tail(serialLog, 200)}`;
            } catch (e) {
                return `journalctl failed: ${e}\n--- serial log tail ---\n${tail(serialLog, 200)}`;
            }
        },
        stop,
    };
}
