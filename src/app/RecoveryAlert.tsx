/* A change that the host undid by itself (the page closed or the connection
 * dropped mid-plan, or an executor died): what it restored, shown once until
 * dismissed. The report is the executor's (model/recovery.ts). */

import { useEffect, useState } from "react";
import { Alert, AlertActionLink, List, ListItem, StackItem } from "@patternfly/react-core";
import cockpit from "cockpit";

import { clearRecoveryReport, readRecoveryReport } from "../host/executor.ts";
import type { RecoveryEntry, RecoveryReport } from "../model/recovery.ts";

const _ = cockpit.gettext;

function entryText(e: RecoveryEntry): string {
    switch (e.kind) {
    case "device":
        return e.restored
            ? cockpit.format(_("$0 is back on $1"), e.address, e.expected || _("no driver"))
            : cockpit.format(_("$0 could not be put back on $1 (it is on $2)"), e.address, e.expected || _("no driver"), e.actual || _("no driver"));
    case "vfs":
        return e.restored
            ? cockpit.format(_("$0 has its $1 VFs again"), e.address, e.expected)
            : cockpit.format(_("$0 could not get its $1 VFs back (it has $2)"), e.address, e.expected, e.actual);
    case "file":
        return e.restored ? cockpit.format(_("$0 is as it was"), e.path) : cockpit.format(_("$0 could not be restored"), e.path);
    case "vf":
        return e.restored
            ? cockpit.format(_("VF $1 of $0 has its network settings back"), e.pf, e.vf)
            : cockpit.format(_("VF $1 of $0 could not get its network settings back"), e.pf, e.vf);
    }
}

export const RecoveryAlert = ({ superuser }: { superuser: boolean | null }) => {
    const [report, setReport] = useState<RecoveryReport | null>(null);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => { readRecoveryReport().then(setReport) }, []);
    if (!report)
        return null;
    const failed = report.entries.some(e => !e.restored);
    const when = new Date(report.at * 1000).toLocaleString();
    return (
        <StackItem>
            <Alert id="pt-recovery" isInline variant={failed ? "danger" : "warning"}
                   title={cockpit.format(_("A change was interrupted at $0 and undone on the host"), when)}
                   actionLinks={superuser === true &&
                       <AlertActionLink onClick={() => clearRecoveryReport().then(r => {
                           if (r.status === "ok")
                               setReport(null);
                           else
                               setError(r.status === "error" ? r.message : r.status === "rejected" ? r.reason : _("Another change is running on this host"));
                       })}>
                           {_("Dismiss")}
                       </AlertActionLink>}>
                <List>
                    {report.entries.map((e, i) => <ListItem key={i}>{entryText(e)}</ListItem>)}
                </List>
                {error && <p>{error}</p>}
            </Alert>
        </StackItem>
    );
};
