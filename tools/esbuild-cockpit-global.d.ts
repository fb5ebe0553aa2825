// SPDX-License-Identifier: LGPL-2.1-or-later
import type { Plugin } from "esbuild";

export const cockpitGlobalPlugin: Plugin;
