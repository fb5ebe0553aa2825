import type { BuildOptions, BuildResult } from "esbuild";

export function buildWithoutUnusedCss(options: BuildOptions): Promise<{ result: BuildResult; unused: Set<string> }>;
