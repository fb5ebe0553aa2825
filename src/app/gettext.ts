/* cockpit.gettext as the model's Gettext (model code takes it as a parameter
 * so that it does not depend on cockpit). */

import cockpit from "cockpit";
import type { Gettext } from "../model/plan-text.ts";

export const gettext: Gettext = message => cockpit.gettext(message);
