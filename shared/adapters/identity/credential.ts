import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { Identity } from '../../connections';

/**
 * The credential for an identity-based connection, chosen as the Functions host chooses it
 * for the same settings: `managedidentity` signs in with the managed identity only (the
 * user-assigned one when a client id is given); unset uses the SDK's default chain, with the
 * client id telling it which managed identity to use.
 */
export function credentialFor(identity: Identity): TokenCredential {
  if (identity.credential === 'managedidentity') {
    return identity.clientId ? new ManagedIdentityCredential({ clientId: identity.clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential(identity.clientId ? { managedIdentityClientId: identity.clientId } : {});
}
