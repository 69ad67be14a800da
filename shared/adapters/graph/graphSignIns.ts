import { GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { SignIn, SignInActivity, SignInLogs } from '../../ports/signIns';
import { graphClient } from './graphClient';

export interface GraphSignInsOptions {
  /** e.g. https://graph.microsoft.com, or devhost's stand-in. */
  baseUrl: string;
  getToken: () => Promise<string>;
}

interface Paged<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

const GRAPH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Users named in one sign-in query: Graph's $filter has a length limit, so long lists are asked in parts. */
const USERS_PER_QUERY = 10;

/** The SignInLogs port over Microsoft Graph (v1.0 `auditLogs/signIns`, `users/{id}?$select=signInActivity`). */
export function graphSignIns(options: GraphSignInsOptions): SignInLogs {
  const client = graphClient(options);
  const api = (path: string) => client.api(path).middlewareOptions([new RetryHandlerOptions(3, 3)]);

  return {
    async activityOf(userId) {
      if (!GRAPH_ID.test(userId)) return undefined;
      try {
        const user = (await api(`/users/${encodeURIComponent(userId)}`).select('id,signInActivity').get()) as { signInActivity?: Partial<SignInActivity> | null };
        return { lastSignInDateTime: user.signInActivity?.lastSignInDateTime ?? null, lastNonInteractiveSignInDateTime: user.signInActivity?.lastNonInteractiveSignInDateTime ?? null };
      } catch (error) {
        if (error instanceof GraphError && error.statusCode === 404) return undefined;
        throw error;
      }
    },
    async signInsSince(since, userIds) {
      const ids = userIds.filter((id) => GRAPH_ID.test(id));
      const out: SignIn[] = [];
      for (let i = 0; i < ids.length; i += USERS_PER_QUERY) {
        const users = ids.slice(i, i + USERS_PER_QUERY).map((id) => `userId eq '${id}'`).join(' or ');
        const filter = `createdDateTime ge ${since.toISOString()} and (${users})`;
        let page = (await api(`/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`).get()) as Paged<SignIn>;
        out.push(...page.value.map(toSignIn));
        while (page['@odata.nextLink']) {
          page = (await api(page['@odata.nextLink']).get()) as Paged<SignIn>;
          out.push(...page.value.map(toSignIn));
        }
      }
      return out.sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime));
    },
  };
}

function toSignIn(s: SignIn): SignIn {
  return {
    id: s.id,
    createdDateTime: s.createdDateTime,
    userId: s.userId,
    userPrincipalName: s.userPrincipalName ?? null,
    appDisplayName: s.appDisplayName ?? null,
    isInteractive: s.isInteractive ?? null,
  };
}
