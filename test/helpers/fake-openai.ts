// A local server speaking the OpenAI chat completions API (JSON and SSE streaming) with scripted
// answers: valid JSON, malformed or schema-invalid content, HTTP errors and hangs.
import type { ServerResponse } from 'node:http';
import { HttpReceiver, type RecordedRequest } from './http-receiver.js';

export type FakeAnswer =
  | { content: string; delayMs?: number }
  | { status: number; message?: string }
  | { hangMs: number };

export const VALID_ANSWER = {
  summary: 'LLM: container api is OOMKilled',
  root_cause: 'LLM: the heap outgrows the 256Mi limit',
  recommendation: 'LLM: raise the limit to 512Mi',
  decision: 'alert',
  reason: 'repeated OOM kills',
  confidence: 0.8,
  failure_class: 'oom-killed',
  action: null,
};

interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string }[];
}

export class FakeOpenAI {
  private readonly script: FakeAnswer[] = [];
  private readonly receiver = new HttpReceiver((req, res) => this.reply(req, res));
  /** Default when the script is empty. */
  fallback: FakeAnswer = { content: JSON.stringify(VALID_ANSWER) };

  async start(): Promise<this> {
    await this.receiver.start();
    return this;
  }

  get baseURL(): string {
    return `${this.receiver.url}/v1`;
  }

  /** Chat completion requests received, parsed. */
  get requests(): ChatRequest[] {
    return this.receiver.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.json as ChatRequest);
  }

  /** Everything the model was told, joined (to assert redaction and budget). */
  promptOf(i: number): string {
    return (this.requests[i]?.messages ?? []).map((m) => m.content).join('\n');
  }

  answer(...answers: FakeAnswer[]): this {
    this.script.push(...answers);
    return this;
  }

  close(): Promise<void> {
    return this.receiver.close();
  }

  private async reply(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = req.json as ChatRequest;
    const a = this.script.shift() ?? this.fallback;
    if ('hangMs' in a) {
      await new Promise((r) => setTimeout(r, a.hangMs));
      if (!res.destroyed) res.end();
      return;
    }
    if ('status' in a) {
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: a.message ?? 'scripted failure', type: 'server_error' } }));
      return;
    }
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    const id = `chatcmpl-fake-${Date.now()}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: a.content }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    // Split mid-token so the client must reassemble.
    for (let i = 0; i < a.content.length; i += 7) res.write(chunk({ content: a.content.slice(i, i + 7) }, null));
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  }
}
