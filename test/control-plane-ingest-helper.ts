// Builds the control-plane app for ingest tests: a real app, driven with inject(), whose
// sink is an array the tests read.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../control-plane/src/app.js';
import { parseConfig, type ControlPlaneConfigInput } from '../control-plane/src/config.js';
import type { Signal } from '../control-plane/src/signal.js';

export interface TestApp {
  app: FastifyInstance;
  received: Signal[];
  /** How many accept() calls the sink saw (a request is one call or none). */
  batches: number;
}

export async function ingestApp(config: ControlPlaneConfigInput = {}): Promise<TestApp> {
  const state: TestApp = { app: undefined as unknown as FastifyInstance, received: [], batches: 0 };
  state.app = await buildApp({
    config: parseConfig(config),
    sink: {
      accept(signals) {
        state.batches++;
        state.received.push(...signals);
      },
    },
  });
  return state;
}

export const fixturePath = (kind: 'webhooks' | 'logs', name: string) =>
  new URL(`../control-plane/src/ingest/fixtures/${kind}/${name}`, import.meta.url);
