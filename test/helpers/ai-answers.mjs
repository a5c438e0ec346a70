// What the local AI server (ai-server.mjs) answers, shared with the tests that check it.

/** The completion, streamed piece by piece (the last piece is the end marker). */
export const COMPLETION = ['Hello', ' from', ' the', ' local', ' model', '.', ''];

/** Token counts the server reports: input = request messages' JSON length / 4 (rounded up), output = 7. */
export function usageFor(body) {
  const text = JSON.stringify(body.messages ?? body.prompt ?? '');
  return { input: Math.ceil(text.length / 4), output: 7 };
}
