import {
  type AccountInfo,
  AuthError,
  type AuthenticationResult,
  BrowserAuthError,
  BrowserAuthErrorCodes,
  InteractionRequiredAuthError,
  PublicClientApplication,
} from '@azure/msal-browser';
import type { Auth, PortalSignIn } from './auth';

type EntraSignIn = Extract<PortalSignIn, { signIn: 'entra' }>;

/** Where the authority sends people back: the page running MSAL's redirect bridge (portal/redirect.html). */
const redirectUri = () => `${location.origin}/portal/redirect`;

export interface MsalSignIn {
  /** The signed-in user, when there is one (back from the authority, or from an earlier page load). */
  auth?: Auth;
  /** Why the last sign-in did not complete (the authority's answer or MSAL's), to show on the sign-in page. */
  error?: string;
  /** Leaves for the authority's sign-in page (authorization code with PKCE); comes back signed in. */
  signIn(): Promise<void>;
}

/**
 * Microsoft Entra sign-in through MSAL: loginRedirect (authorization code with PKCE; MSAL
 * makes the verifier and checks state and nonce), tokens for the API scope from MSAL's cache
 * or its refresh token, a claims challenge answered interactively, sign-out at the authority.
 * Tokens stay in sessionStorage, so closing the tab signs the user out of the portal.
 */
export async function startMsal(config: EntraSignIn): Promise<MsalSignIn> {
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: config.knownAuthorities,
      redirectUri: redirectUri(),
      // Why the same page: one URI to register; its redirect bridge brings people back to the portal.
      postLogoutRedirectUri: redirectUri(),
    },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await msal.initialize();
  // Back from the authority: MSAL redeems the code (with the PKCE verifier it kept) here.
  let result: AuthenticationResult | null = null;
  let error: string | undefined;
  try {
    result = await msal.handleRedirectPromise();
  } catch (e) {
    // Why not rethrow: the page must still offer to sign in again, with the reason beside it.
    error = `Sign-in did not complete: ${describe(e)}`;
  }
  const account = result?.account ?? msal.getAllAccounts()[0];
  const scopes = config.scopes;
  return {
    auth: account ? msalAuth(msal, account, scopes) : undefined,
    ...(error ? { error } : {}),
    signIn: () => msal.loginRedirect({ scopes }),
  };
}

/** MSAL's messages are links to its documentation; the code and the server's description say more. */
function describe(error: unknown): string {
  if (error instanceof AuthError) return [error.errorCode, error.subError, error instanceof BrowserAuthError ? '' : error.errorMessage].filter(Boolean).join(': ');
  return error instanceof Error ? error.message : String(error);
}

function msalAuth(msal: PublicClientApplication, account: AccountInfo, scopes: string[]): Auth {
  return {
    user: { id: account.localAccountId, displayName: account.name ?? account.username, userPrincipalName: account.username },
    async token() {
      try {
        return (await msal.acquireTokenSilent({ scopes, account })).accessToken;
      } catch (error) {
        // The session at the authority has ended (or consent is missing): sign in there again.
        if (error instanceof InteractionRequiredAuthError) await msal.acquireTokenRedirect({ scopes, account });
        throw error;
      }
    },
    async stepUp(claims) {
      // Why a popup: the action the API refused is retried right after, on this page; a redirect
      // would leave the page (and the request the user just made) behind.
      try {
        await msal.acquireTokenPopup({ scopes, account, claims });
      } catch (error) {
        if (error instanceof BrowserAuthError && [BrowserAuthErrorCodes.popupWindowError, BrowserAuthErrorCodes.emptyWindowError].includes(error.errorCode)) {
          throw new Error('A stronger sign-in is needed and the sign-in window was blocked: allow pop-ups for this site and try again.', { cause: error });
        }
        if (error instanceof BrowserAuthError && error.errorCode === BrowserAuthErrorCodes.userCancelled) {
          throw new Error('The stronger sign-in was cancelled, so the action was not done.', { cause: error });
        }
        throw error;
      }
    },
    async signOut() {
      await msal.logoutRedirect({ account });
    },
  };
}
