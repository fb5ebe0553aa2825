// SPDX-License-Identifier: LGPL-2.1-or-later
/* The model's text, translated: cockpit.gettext passed to model functions. */
import cockpit from "cockpit";
import type { Gettext } from "../model/translate.ts";

export const gettext: Gettext = message => cockpit.gettext(message);
