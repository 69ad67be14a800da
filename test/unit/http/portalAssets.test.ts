import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { portalAsset, portalIndex, portalRoot } from '../../../shared/http/portalAssets';

function builtPortal(): string {
  const root = mkdtempSync(join(tmpdir(), 'portal-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'index-Ab12_c.js'), 'export {}');
  writeFileSync(join(root, 'secret.txt'), 'no');
  return root;
}

describe('the portal files', () => {
  it('serves index.html and hashed assets with the strict CSP and nosniff', () => {
    const root = builtPortal();
    const index = portalIndex(root);
    expect(index.status).toBe(200);
    expect(index.headers['Content-Security-Policy']).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self'/);
    expect(index.headers['X-Content-Type-Options']).toBe('nosniff');
    const js = portalAsset(root, 'index-Ab12_c.js');
    expect(js.status).toBe(200);
    expect(js.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
  });

  it('serves nothing outside assets/, nor unknown kinds of file', () => {
    const root = builtPortal();
    for (const name of ['../secret.txt', '..%2Fsecret.txt', '../index.html', 'secret.txt', 'missing.js', '.js']) expect(portalAsset(root, name).status).toBe(404);
  });

  it('says how to build it when it is not built', () => {
    const index = portalIndex(undefined);
    expect(index.status).toBe(503);
    expect(String(index.body)).toContain('npm run build:portal');
    expect(portalRoot(mkdtempSync(join(tmpdir(), 'nowhere-')))).toBeUndefined();
  });
});
