// SPDX-License-Identifier: LGPL-2.1-or-later
// Boots the test VM with the built plugin installed, for trying it by hand:
//   npx tsx test/vm/demo.ts [dist]      (then open the printed URL; Ctrl-C stops it)
// PASSTHROUGH_HOST picks the kind of host (hosts.ts; `make demo HOST=aarch64`).
// Set PASSTHROUGH_VM_NO_IOMMU=1 to see the page on a host without IOMMU.
import { existsSync } from 'node:fs';
import { currentHost } from './hosts.ts';
import { startMachine } from './machine.ts';

const dist = process.argv[2] ?? 'dist';
if (!existsSync(dist)) {
    console.error(`${dist} does not exist: build the plugin first (npm run build)`);
    process.exit(1);
}

const host = currentHost();
const machine = await startMachine({ host, iommu: !process.env.PASSTHROUGH_VM_NO_IOMMU });
await machine.installPlugin(dist);
console.log(`Host: ${host.kind}\nCockpit: ${machine.cockpitUrl}/passthrough\nuser: ${machine.user}\npassword: ${machine.password}`);
console.log('Ctrl-C stops the VM.');

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
        if (stopping) return;
        stopping = true;
        machine.stop().then(() => process.exit(0), e => { console.error(e); process.exit(1); });
    });
}
// Keep the event loop alive until a signal arrives.
setInterval(() => {}, 1 << 30);
