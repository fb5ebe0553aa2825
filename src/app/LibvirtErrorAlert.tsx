// SPDX-License-Identifier: LGPL-2.1-or-later
/* A libvirt failure in words (what happened, what to do), with libvirt's own message below. */

import { useEffect, useRef, type ReactNode } from "react";
import { Alert } from "@patternfly/react-core";
import cockpit from "cockpit";

import { explainLibvirtError } from "../model/libvirt-errors.ts";
import { DomainChangedError, VerifyError, verifyErrorText } from "../model/domains.ts";

const _ = cockpit.gettext;

/* Dialogs are taller than the screen and the user may have scrolled to the
 * options: bring a new error into view. */
const InView = ({ error, children }: { error: unknown; children: ReactNode }) => {
    const ref = useRef<HTMLDivElement>(null);
    useEffect(() => { ref.current?.scrollIntoView?.({ block: "nearest" }) }, [error]);
    return <div ref={ref} className="pt-libvirt-error">{children}</div>;
};

export const LibvirtErrorAlert = ({ error, title }: { error: unknown; title: string }) =>
    <InView error={error}><LibvirtErrorContent error={error} title={title} /></InView>;

const LibvirtErrorContent = ({ error, title }: { error: unknown; title: string }) => {
    if (error instanceof DomainChangedError) {
        return (
            <Alert variant="warning" isInline title={_("The VM was changed since this dialog read it")}>
                {_("Nothing was written. Check the preview again and retry.")}
            </Alert>
        );
    }
    if (error instanceof VerifyError) {
        return (
            <Alert variant="danger" isInline title={_("The change could not be verified")}>
                {verifyErrorText(error.problem, _)}
            </Alert>
        );
    }
    const e = explainLibvirtError(error, _);
    return (
        <Alert variant="danger" isInline title={title}>
            <p>{e.summary}</p>
            {e.remedy && <p>{e.remedy}</p>}
            <p><code className="pt-libvirt-message">{e.detail}</code></p>
        </Alert>
    );
};
