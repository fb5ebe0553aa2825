// SPDX-License-Identifier: LGPL-2.1-or-later
/* esbuild's "text" loader imports these files as strings (see build.js). */
declare module "*.sh" {
    const text: string;
    export default text;
}
