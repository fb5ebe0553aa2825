// SPDX-License-Identifier: LGPL-2.1-or-later
/* Node has no DOMParser/XMLSerializer; the browser does. Install @xmldom/xmldom's
 * as the globals so src/model code runs unchanged in tests.
 *
 * A browser's DOMParser is a strict XML parser: any error yields a <parsererror>
 * document. xmldom only logs recoverable errors, so make every report an
 * exception; src/model/domain-xml.ts handles both forms. */

import { DOMParser as XmldomParser, XMLSerializer as XmldomSerializer } from "@xmldom/xmldom";

class StrictDOMParser extends XmldomParser {
    constructor() {
        super({
            onError: (level: string, message: string) => {
                throw new Error(`XML ${level}: ${message}`);
            },
        });
    }
}

const g = globalThis as Record<string, unknown>;
g.DOMParser ??= StrictDOMParser;
g.XMLSerializer ??= XmldomSerializer;
