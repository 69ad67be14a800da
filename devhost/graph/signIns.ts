import { randomUUID } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';

/** One sign-in as Graph's `auditLogs/signIns` returns it (the fields this app reads, and a few more). */
export interface SignInJson {
  id: string;
  createdDateTime: string;
  userId: string;
  userDisplayName: string;
  userPrincipalName: string;
  appDisplayName: string;
  isInteractive: boolean;
  status: { errorCode: number; failureReason: string | null };
}

/** Graph's `signInActivity` of a user: the last interactive and non-interactive sign-ins. */
export interface SignInActivityJson {
  lastSignInDateTime: string | null;
  lastNonInteractiveSignInDateTime: string | null;
}

const SIGN_IN = 'signIn';
const ACTIVITY = 'signInActivity';

type SignInEntity = { partitionKey: string; rowKey: string; json: string };
type ActivityEntity = { partitionKey: string; rowKey: string; lastSignInDateTime?: string; lastNonInteractiveSignInDateTime?: string };

/**
 * The directory's sign-in logs and each user's sign-in activity, kept in the stand-in's table:
 * sign-ins keyed by time (so a `createdDateTime ge` read is a range), activity by user.
 * Tests add sign-ins through POST /.devhost/graph/signIns; nothing signs in on its own.
 */
export class SignInLog {
  constructor(private readonly table: TableClient) {}

  async add(user: { id: string; displayName: string; userPrincipalName: string }, at: Date, isInteractive: boolean): Promise<SignInJson> {
    const signIn: SignInJson = {
      id: randomUUID(),
      createdDateTime: at.toISOString(),
      userId: user.id,
      userDisplayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      appDisplayName: 'Azure Portal',
      isInteractive,
      status: { errorCode: 0, failureReason: null },
    };
    await this.table.createEntity<SignInEntity>({ partitionKey: SIGN_IN, rowKey: `${signIn.createdDateTime}|${signIn.id}`, json: JSON.stringify(signIn) });
    const field = isInteractive ? 'lastSignInDateTime' : 'lastNonInteractiveSignInDateTime';
    const current = await this.activity(user.id);
    if ((current[field] ?? '') < signIn.createdDateTime) {
      await this.table.upsertEntity<ActivityEntity>({ partitionKey: ACTIVITY, rowKey: user.id, [field]: signIn.createdDateTime }, 'Merge');
    }
    return signIn;
  }

  /** Sign-ins at or after `since` (all of them when undefined), oldest first. */
  async since(since: string | undefined): Promise<SignInJson[]> {
    const filter = since ? odata`PartitionKey eq ${SIGN_IN} and RowKey ge ${since}` : odata`PartitionKey eq ${SIGN_IN}`;
    const out: SignInJson[] = [];
    for await (const e of this.table.listEntities<SignInEntity>({ queryOptions: { filter } })) out.push(JSON.parse(e.json) as SignInJson);
    return out;
  }

  async activity(userId: string): Promise<SignInActivityJson> {
    try {
      const e = await this.table.getEntity<ActivityEntity>(ACTIVITY, userId);
      return { lastSignInDateTime: e.lastSignInDateTime ?? null, lastNonInteractiveSignInDateTime: e.lastNonInteractiveSignInDateTime ?? null };
    } catch {
      return { lastSignInDateTime: null, lastNonInteractiveSignInDateTime: null };
    }
  }
}

/** The lower bound a `$filter` puts on createdDateTime (`createdDateTime ge ...` or `gt`), if any. */
export function createdSince(filter: string | null): string | undefined {
  const m = filter ? /createdDateTime\s+g[et]\s+'?([0-9T:.\-Z+]+)'?/i.exec(filter) : null;
  return m?.[1] ? new Date(m[1]).toISOString() : undefined;
}
