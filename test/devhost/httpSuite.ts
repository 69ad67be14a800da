import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevHost } from '../../devhost/core/host';
import { Logger } from '../../devhost/core/logger';
import { testStorage, uniquePrefix } from './helpers';

/**
 * The HTTP trigger behaviour devhost must show whether the app runs over RPC (the default) or
 * with HTTP streaming on; the caller loads the fixture app (test/devhost/fixtures/httpApp.ts),
 * after turning streaming on for 'stream'.
 */
export function httpTriggerSuite(mode: 'rpc' | 'stream'): void {
  let host: DevHost;

  beforeAll(async () => {
    host = new DevHost({
      port: 0,
      storageConnectionString: testStorage(),
      tablePrefix: uniquePrefix(),
      extensions: [],
      logger: new Logger('silent'),
      maxRequestBodyBytes: 1024,
    });
    await host.start();
  });

  afterAll(async () => {
    await host?.stop();
  });

  async function call(path: string, init?: RequestInit) {
    const res = await fetch(`${host.url}${path}`, init);
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
    return { status: res.status, text, json, headers: res.headers };
  }

  describe(`devhost HTTP triggers (${mode === 'stream' ? 'HTTP streaming on' : 'RPC'})`, () => {
    it('prefers literal segments, then constrained parameters, then plain ones', async () => {
      expect((await call('/items/special')).json.label).toBe('special');
      expect((await call('/items/42')).json).toMatchObject({ label: 'byId', params: { id: '42' } });
      expect((await call('/items/widget')).json).toMatchObject({ label: 'byName', params: { name: 'widget' } });
    });

    it('matches literal segments case-insensitively and decodes parameters', async () => {
      expect((await call('/ITEMS/hello%20world')).json.params).toEqual({ name: 'hello world' });
    });

    it('handles optional, default and catch-all parameters', async () => {
      expect((await call('/files')).json.params).toEqual({});
      expect((await call('/files/a.txt')).json.params).toEqual({ name: 'a.txt' });
      expect((await call('/lang')).json.params).toEqual({ code: 'en' });
      expect((await call('/lang/fr')).json.params).toEqual({ code: 'fr' });
      expect((await call('/docs/a/b/c.md')).json.params).toEqual({ path: 'a/b/c.md' });
      expect((await call('/files/a/b')).status).toBe(404);
    });

    it('routes a function without a route by its name', async () => {
      expect((await call('/NoRoute')).json.label).toBe('noRoute');
    });

    it('passes method, query, headers and body through', async () => {
      const res = await call('/items?x=1&y=two', { method: 'POST', headers: { 'x-probe': 'p' }, body: '{"a":1}' });
      expect(res.json).toMatchObject({
        label: 'create',
        method: 'POST',
        query: { x: '1', y: 'two' },
        header: 'p',
        body: '{"a":1}',
      });
      const patched = await call('/v1.0/things/7', { method: 'PATCH', body: 'x' });
      expect(patched.json).toMatchObject({ label: 'versioned', params: { version: 'v1.0', id: '7' } });
    });

    it('answers 404 with an empty body for unknown routes and for methods a route does not accept, like the host', async () => {
      for (const [path, method] of [
        ['/nothing/here', 'GET'],
        ['/items/special', 'DELETE'],
        ['/items/special', 'HEAD'],
      ] as const) {
        const res = await call(path, { method });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.text).toBe('');
      }
    });

    it('returns status, headers and cookies set by the function, and sees request cookies', async () => {
      const res = await call('/cookies', { headers: { cookie: 'a=1; b=2' } });
      expect(res.status).toBe(201);
      expect(res.text).toBe('made');
      expect(res.headers.get('x-seen-cookie')).toBe('a=1; b=2');
      const setCookie = res.headers.get('set-cookie') ?? '';
      expect(setCookie).toContain('session=abc');
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('Secure');
      expect(setCookie).toContain('SameSite=Strict');
    });

    it('round-trips binary bodies byte for byte', async () => {
      const res = await fetch(`${host.url}/binary`, { method: 'POST', body: new Uint8Array([1, 2, 3, 255, 0]) });
      expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 255, 3, 2, 1]);
    });

    it('answers 413 for a body over the limit without invoking the function', async () => {
      const res = await call('/items', { method: 'POST', body: 'x'.repeat(2048) });
      expect(res.status).toBe(413);
    });

    it('answers 500 with no detail when the function throws', async () => {
      const res = await call('/throws');
      expect(res.status).toBe(500);
      expect(res.text).not.toContain('blew up');
    });

    it(mode === 'stream' ? 'passes a chunked body (no Content-Length) through to the function' : 'drops a chunked body (no Content-Length) as the host does without HTTP streaming', async () => {
      const res = await postChunked(`${host.url}/items`, ['{"a":', '1}']);
      expect(res.status).toBe(200);
      expect((JSON.parse(res.text) as { body: string }).body).toBe(mode === 'stream' ? '{"a":1}' : '');
    });

    it('takes a chunked body on a GET or DELETE and a path starting with // like any other request', async () => {
      const get = await postChunked(`${host.url}/items/special`, ['ignored'], {}, 'GET');
      expect(get.status).toBe(200);
      expect((JSON.parse(get.text) as { label: string }).label).toBe('special');
      expect((await postChunked(`${host.url}//items`, ['x'], {}, 'DELETE')).status).toBe(404);
      const doubled = await call('//items/special');
      expect(doubled.status).toBe(200);
      expect(doubled.json.label).toBe('special');
    });

    it('answers 413 for a chunked body over the limit', async () => {
      expect((await postChunked(`${host.url}/items`, ['x'.repeat(700), 'x'.repeat(700)])).status).toBe(413);
    });
  });
}

/** A request whose body is sent chunked: no Content-Length, as streaming clients send it. */
export function postChunked(url: string, chunks: string[], headers: Record<string, string> = {}, method = 'POST'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'transfer-encoding': 'chunked', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
