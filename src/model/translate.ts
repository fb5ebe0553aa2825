// SPDX-License-Identifier: LGPL-2.1-or-later
/* The model produces user-visible text but must not import cockpit: callers
 * pass cockpit.gettext/format in (src/app/translate.ts), tests pass identity. */

export type Gettext = (message: string) => string;

/** Cockpit-style "$0 of $1" substitution. */
export function format(template: string, ...args: (string | number)[]): string {
    return template.replace(/\$([0-9]+)/g, (m, n) => {
        const value = args[Number(n)];
        return value === undefined ? m : String(value);
    });
}

export const identity: Gettext = message => message;

/** Marks a msgid for the catalogue (make po/passthrough.pot) where it is defined;
 * the UI translates it where it shows it, with _(value). */
export const N_ = (message: string): string => message;
