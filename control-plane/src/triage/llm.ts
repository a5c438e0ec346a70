// LLM triage over any OpenAI-compatible API (OpenAI, Azure OpenAI, Ollama, vLLM, LiteLLM).
// Retries with backoff and the timeout are the openai client's own; an invalid answer gets one
// repair round, after which the caller keeps the offline result.
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { logger } from '../../../lib/log.js';
import type { LlmConfig } from './config.js';
import type { AnalysisInput } from './input.js';
import { parseAnswer } from './llm-answer.js';
import { buildContext, DEFAULT_PROMPT, renderPrompt, SYSTEM_PROMPT } from './prompt.js';
import type { Analysis, Redactor } from './types.js';

const log = logger('triage-llm');

export type LlmOutcome = { ok: true; analysis: Analysis } | { ok: false; error: string };

export function createOpenAiClient(cfg: LlmConfig): OpenAI {
  return new OpenAI({
    baseURL: cfg.base_url,
    // Local servers (Ollama, vLLM) need no key, but the client insists on one.
    apiKey: cfg.api_key ?? process.env[cfg.api_key_env] ?? 'not-needed',
    timeout: cfg.timeout_ms,
    maxRetries: cfg.max_retries,
    defaultHeaders: cfg.default_headers,
    defaultQuery: cfg.default_query,
  });
}

export class LlmTriage {
  calls = 0;

  constructor(
    private readonly cfg: LlmConfig,
    private readonly redactor: Redactor,
    private readonly client: OpenAI = createOpenAiClient(cfg),
  ) {}

  /** The messages sent for this input (exposed for tests and `vigil` debugging). */
  messages(input: AnalysisInput, offline: Analysis | undefined): { model: string; messages: ChatCompletionMessageParam[] } {
    const override = input.priority ? this.cfg.by_priority[input.priority] : undefined;
    const { vars } = buildContext(input, offline, this.cfg.max_context_tokens);
    const user = renderPrompt(override?.prompt ?? this.cfg.prompt ?? DEFAULT_PROMPT, vars, this.redactor);
    return {
      model: override?.model ?? this.cfg.model,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: user },
      ],
    };
  }

  async analyze(input: AnalysisInput, offline: Analysis | undefined): Promise<LlmOutcome> {
    const { model, messages } = this.messages(input, offline);
    try {
      const first = await this.complete(model, messages);
      let parsed = parseAnswer(first);
      if (!parsed.ok) {
        log.warn({ model, error: parsed.error }, 'invalid LLM answer; asking once for a repair');
        const repair: ChatCompletionMessageParam[] = [
          ...messages,
          { role: 'assistant', content: this.redactor.redact(first) },
          { role: 'user', content: `That answer is invalid: ${parsed.error}\nReply with only the corrected JSON object.` },
        ];
        parsed = parseAnswer(await this.complete(model, repair));
      }
      if (!parsed.ok) return { ok: false, error: parsed.error };
      const a = parsed.answer;
      const r = (s: string) => this.redactor.redact(s);
      return {
        ok: true,
        analysis: {
          failure_class: a.failure_class ?? offline?.failure_class ?? input.failureClass ?? 'unknown',
          summary: r(a.summary),
          root_cause: r(a.root_cause),
          recommendation: r(a.recommendation),
          evidence: offline?.evidence ?? [],
          action: a.action,
          confidence: a.confidence,
          decision: a.decision,
          reason: r(a.reason || a.root_cause),
          source: 'llm',
        },
      };
    } catch (err) {
      log.warn({ model, err: (err as Error).message }, 'LLM call failed');
      return { ok: false, error: (err as Error).message };
    }
  }

  private async complete(model: string, messages: ChatCompletionMessageParam[]): Promise<string> {
    this.calls += 1;
    const base = {
      model,
      messages,
      temperature: this.cfg.temperature,
      ...(this.cfg.json_mode ? { response_format: { type: 'json_object' as const } } : {}),
    };
    if (!this.cfg.stream) {
      const res = await this.client.chat.completions.create({ ...base, stream: false });
      return res.choices[0]?.message?.content ?? '';
    }
    const stream = await this.client.chat.completions.create({ ...base, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return text;
  }
}
