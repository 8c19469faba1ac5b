// Set at build time from package.json (tsup `define`), so `--version` reads no file.
declare const __SEALPACK_VERSION__: string | undefined;

export const VERSION: string = typeof __SEALPACK_VERSION__ === 'string' ? __SEALPACK_VERSION__ : '0.0.0-dev';
