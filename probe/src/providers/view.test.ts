import { describe, expect, it } from 'vitest';
import { exchange } from './fixtures/exchange.js';
import { makeView } from './view.js';

describe('makeView', () => {
  it('takes host from SNI first, then :authority/Host; port from conn, authority, then peer', () => {
    expect(makeView(exchange({ authority: 'API.OpenAI.com:8443', path: '/v1/x?a=1' }), {})).toMatchObject({ host: 'api.openai.com', port: 8443, path: '/v1/x' });
    expect(makeView(exchange({ authority: 'a.example', path: '/' }), { sni: 'B.example', peer: '10.0.0.1:9443' })).toMatchObject({ host: 'b.example', port: 9443 });
    expect(makeView(exchange({ authority: '[::1]:11434', path: '/' }), {})).toMatchObject({ host: '[::1]', port: 11434 });
    const bare = makeView(exchange({ path: '/p' }), {});
    expect(bare.host).toBeUndefined();
    expect(bare.port).toBeUndefined();
  });

  it('parses bodies on first use and tolerates bodies that are not JSON', () => {
    const view = makeView(exchange({ path: '/', reqBody: '{"model":"m"', resBody: '[1,2]' }), {});
    expect(view.reqJson).toBeUndefined();
    expect(view.reqText).toBe('{"model":"m"');
    expect(view.resJson).toEqual([1, 2]);
    expect(view.query.get('a')).toBeNull();
  });
});
