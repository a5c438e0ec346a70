// The `aiCalls:` config section: how many AI calls the control plane keeps in memory for the API.
import { z } from 'zod';

export const AiCallsSection = z.object({
  /** Rows kept (~100 bytes each); the oldest is overwritten past this (VIGIL_AI_CALLS_CAPACITY). */
  capacity: z.coerce.number().int().min(1000).max(20_000_000).default(1_000_000),
});
export type AiCallsConfig = z.output<typeof AiCallsSection>;
