// SPDX-License-Identifier: LGPL-2.1-or-later
import "@patternfly/patternfly/patternfly-base.css";
import "./app/app.css";

import { createRoot } from "react-dom/client";
import { Application } from "./app/Application.tsx";
import { followShellTheme } from "./app/theme.ts";

// Before the first render, so that a dark shell never shows a light flash.
followShellTheme();

document.addEventListener("DOMContentLoaded", () => {
    createRoot(document.getElementById("app")!).render(<Application />);
});
