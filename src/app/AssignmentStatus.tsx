// SPDX-License-Identifier: LGPL-2.1-or-later
/* For a device row: which VM has the device, and conflicts. Usage:
 *   const index = useMemo(() => indexAssignments(allDomains(domains), snapshot), [domains, snapshot]);
 *   <AssignmentStatus index={index} address={row.address} /> */

import { Label, LabelGroup } from "@patternfly/react-core";

import type { AssignmentIndex } from "../model/assignments.ts";
import type { PciAddress } from "../model/pci-address.ts";
import { assignmentText, conflictText } from "./vm-text.ts";

export const AssignmentStatus = ({ index, address }: { index: AssignmentIndex; address: PciAddress }) => {
    const assignments = index.assignments(address);
    const conflicts = index.conflicts(address);
    if (assignments.length === 0 && conflicts.length === 0)
        return null;
    return (
        <LabelGroup numLabels={5} className="pt-assignment-status">
            {assignments.map(a => (
                <Label key={`${a.domain.connection}/${a.domain.name}`} color={a.state === "running" ? "blue" : "grey"}>
                    {assignmentText(a)}
                </Label>
            ))}
            {conflicts.map((c, i) => <Label key={`c${i}`} color="red">{conflictText(c)}</Label>)}
        </LabelGroup>
    );
};
