import { isLoopbackHttp } from '../../connections';
import type { DependencyHealth } from '../../ports/dependencyHealth';

/** Global Administrator's role template id: the same in every tenant and every cloud. */
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';

/**
 * Whether the app reaches Microsoft Graph as configured: its own token (managed identity, or
 * none for devhost's stand-in) and one small read the app's permissions allow. No retries:
 * health says how Graph answers now.
 */
export function graphHealth(baseUrl: string, getToken: () => Promise<string>): DependencyHealth {
  const base = new URL(baseUrl);
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  return {
    backend: isLoopbackHttp(baseUrl) ? "devhost's Graph stand-in" : 'Microsoft Graph',
    endpoint: root,
    emulator: isLoopbackHttp(baseUrl),
    async probe(signal) {
      const started = performance.now();
      const token = await getToken();
      const res = await fetch(`${root}/v1.0/roleManagement/directory/roleDefinitions/${GLOBAL_ADMINISTRATOR}?$select=id`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal,
      });
      const body = await res.text();
      if (!res.ok) throw new Error(`Graph answered ${res.status}${graphCode(body)}`);
      return Math.round(performance.now() - started);
    },
  };
}

/** Graph's error code (e.g. Authorization_RequestDenied), never the rest of its body. */
function graphCode(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && /^[A-Za-z0-9_.]{1,80}$/.test(code) ? ` ${code}` : '';
  } catch {
    return '';
  }
}
