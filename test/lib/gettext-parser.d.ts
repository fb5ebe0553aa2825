// SPDX-License-Identifier: LGPL-2.1-or-later
/* The part of gettext-parser (which ships no types) that the tests and tools/po-extract.ts use. */
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
        po: {
            parse(input: string | Buffer, options?: { defaultCharset?: string; validation?: boolean }): PoFile;
            compile(table: PoFile, options?: { foldLength?: number; sort?: boolean }): Buffer;
        };
    };
    export default gettextParser;
}

declare module "jed" {
    const Jed: { PF: { parse(rule: string): unknown } };
    export default Jed;
}
