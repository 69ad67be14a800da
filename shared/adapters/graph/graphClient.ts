import { Client } from '@microsoft/microsoft-graph-client';

/** What every Graph adapter needs to reach Graph: where, and a bearer token for each call. */
export interface GraphClientOptions {
  /** Graph's root, e.g. https://graph.microsoft.com (a national cloud's, or devhost's stand-in). */
  baseUrl: string;
  getToken: () => Promise<string>;
}

/**
 * A Graph client on `baseUrl`, v1.0 by default. Why customHosts: the SDK sends the token only to
 * hosts it knows as Graph's, so a national cloud or the local stand-in must be named.
 */
export function graphClient(options: GraphClientOptions): Client {
  return Client.init({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(options.baseUrl).hostname]),
    authProvider: (done) => {
      options.getToken().then((token) => done(null, token), (error: unknown) => done(error as Error, null));
    },
  });
}
