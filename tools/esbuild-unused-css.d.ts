// SPDX-License-Identifier: LGPL-2.1-or-later
import type { BuildOptions, BuildResult } from "esbuild";

export function buildWithoutUnusedCss(options: BuildOptions): Promise<{ result: BuildResult; unused: Set<string> }>;
