import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway certificate for https://127.0.0.1, made with Debian's openssl (no key is kept in
 * the repository). The browser is told to accept it (ignoreHTTPSErrors); Node callers pass it as `ca`.
 */
export function selfSignedTls(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pim-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'pipe' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } catch (error) {
    throw new Error(`Making a certificate for devhost's https sign-in authority needs openssl (sudo apt-get install openssl): ${(error as Error).message}`, { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
