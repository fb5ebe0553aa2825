// SPDX-License-Identifier: LGPL-2.1-or-later
/* The part of gettext-parser (which ships no types) that the tests use. */
declare module "gettext-parser" {
    export interface PoEntry {
        msgctxt?: string;
        msgid: string;
        msgid_plural?: string;
        msgstr: string[];
        comments?: { flag?: string; [kind: string]: string | undefined };
    }
    export interface PoFile {
        charset: string;
        headers: Record<string, string>;
        translations: Record<string, Record<string, PoEntry>>;
    }
    const gettextParser: {
        po: { parse(input: string | Buffer, options?: { defaultCharset?: string; validation?: boolean }): PoFile };
    };
    export default gettextParser;
}
