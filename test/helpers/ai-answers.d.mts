export declare const COMPLETION: string[];
export declare function usageFor(body: { messages?: unknown; prompt?: unknown }): { input: number; output: number };
