// SPDX-License-Identifier: LGPL-2.1-or-later
/* The root: dialogs can open from anywhere in the page. */

import { WithDialogs } from "dialogs";
import { PassthroughPage } from "./PassthroughPage.tsx";

export const Application = () => (
    <WithDialogs>
        <PassthroughPage />
    </WithDialogs>
);
