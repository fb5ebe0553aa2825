/* esbuild's "text" loader imports these files as strings (see build.js). */
declare module "*.sh" {
    const text: string;
    export default text;
}
