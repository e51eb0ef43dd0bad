/** Types of scripts/build-verify.mjs, for the tests that import it. */
export declare const verifierEntry: string;
export declare function bundleForBrowser(options?: {
  entry?: string;
  format?: 'esm' | 'iife';
  minify?: boolean;
}): Promise<{ code: string; inputs: string[] }>;
export declare function releaseWasm(): Buffer;
export declare function buildVerifyPage(): Promise<string>;
