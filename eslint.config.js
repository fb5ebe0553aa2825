// SPDX-License-Identifier: LGPL-2.1-or-later
// Lint rules in the spirit of cockpit-project/starter-kit: the recommended sets,
// React hooks rules as errors (a missing effect dependency is a bug), 140 columns.
import js from "@eslint/js";
import globals from "globals";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/", "build/", "pkg/lib/", "node_modules/", "test-results/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.{js,ts,tsx}"],
        plugins: { react, "react-hooks": reactHooks },
        languageOptions: {
            ecmaVersion: 2022,
            sourceType: "module",
            globals: { ...globals.browser, ...globals.node },
            parserOptions: { ecmaFeatures: { jsx: true } },
        },
        settings: { react: { version: "18" } },
        rules: {
            ...react.configs.recommended.rules,
            ...react.configs["jsx-runtime"].rules,
            "react/prop-types": "off", // TypeScript types the props
            "react-hooks/rules-of-hooks": "error",
            "react-hooks/exhaustive-deps": "error",
            "max-len": ["error", { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
            "no-var": "error",
            "prefer-const": "error",
            eqeqeq: ["error", "smart"],
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
);
