import type { TokenCredential } from '@azure/identity';
import { isLoopbackHttp } from '../../connections';
import { credentialFor } from '../identity/credential';

/** What devhost's Graph stand-in gets instead of a token: it checks none. */
export const STAND_IN_TOKEN = 'devhost';

/**
 * Tokens for Microsoft Graph at `baseUrl`, for the directory and the mailer alike. Only
 * devhost's stand-in (plain http on a loopback address) goes without a real token; every other
 * host gets the managed identity's token for that cloud's Graph (`{origin}/.default`), so
 * national clouds (graph.microsoft.us, dod-graph.microsoft.us,
 * microsoftgraph.chinacloudapi.cn) work like the global one. `clientId` names the
 * user-assigned identity (AZURE_CLIENT_ID); without it the system-assigned one is asked.
 */
export function graphTokenProvider(baseUrl: string, options: { clientId?: string; credential?: TokenCredential } = {}): () => Promise<string> {
  if (isLoopbackHttp(baseUrl)) return async () => STAND_IN_TOKEN;
  const scope = `${new URL(baseUrl).origin}/.default`;
  const credential = options.credential ?? credentialFor({ credential: 'managedidentity', clientId: options.clientId });
  return async () => {
    const token = await credential.getToken(scope);
    if (!token) throw new Error(`No token for ${scope} from the managed identity.`);
    return token.token;
  };
}
