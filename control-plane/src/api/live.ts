// The in-process fan-out of live updates (incidents, AI calls, sensor health, remediations,
// audit) to whoever streams them, e.g. the SSE route. Publishing never blocks: each listener
// decides what to do with a slow consumer.
export const LIVE_TOPICS = ['incident', 'ai_call', 'sensor', 'remediation', 'audit'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export interface LiveMessage {
  topic: LiveTopic;
  data: unknown;
}

export type LiveListener = (message: LiveMessage) => void;

export class LiveHub {
  private readonly listeners = new Set<LiveListener>();

  publish(topic: LiveTopic, data: unknown): void {
    for (const listener of this.listeners) listener({ topic, data });
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
