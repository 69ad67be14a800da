import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { GraphStandInExtension } from '../../devhost/graph';
import { graphSignIns } from '../../shared/adapters/graph/graphSignIns';
import type { SignInLogs } from '../../shared/ports/signIns';
import { startTestHost } from '../devhost/helpers';

let host: DevHost;
let signIns: SignInLogs;
const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
const BOB = '375306f3-8c15-476d-9f9d-01dc542d1672';
const CAROL = 'fda5ae5d-95e1-4872-a3b8-5f9f31d5cdba';

beforeAll(async () => {
  host = await startTestHost([new GraphStandInExtension()]);
  signIns = graphSignIns({ baseUrl: `${host.url}/.devhost/graph`, getToken: async () => 'devhost' });
});

afterAll(async () => {
  await host?.stop();
});

const record = (body: Record<string, unknown>) => fetch(`${host.url}/.devhost/graph/signIns`, { method: 'POST', body: JSON.stringify(body) });

describe('the sign-in logs adapter against the Graph stand-in', () => {
  it("reads a user's signInActivity (only with $select, as Graph), interactive and not apart", async () => {
    expect(await signIns.activityOf(ALICE)).toEqual({ lastSignInDateTime: null, lastNonInteractiveSignInDateTime: null });
    expect((await record({ user: 'alice', createdDateTime: '2026-01-02T03:04:05Z' })).status).toBe(201);
    expect((await record({ user: 'alice', createdDateTime: '2026-01-01T00:00:00Z' })).status).toBe(201);
    expect((await record({ user: 'alice', createdDateTime: '2026-01-03T00:00:00Z', isInteractive: false })).status).toBe(201);
    expect(await signIns.activityOf(ALICE)).toEqual({ lastSignInDateTime: '2026-01-02T03:04:05.000Z', lastNonInteractiveSignInDateTime: '2026-01-03T00:00:00.000Z' });
    const plain = (await (await fetch(`${host.url}/.devhost/graph/v1.0/users/${ALICE}`)).json()) as Record<string, unknown>;
    expect(plain.signInActivity).toBeUndefined();
    expect(await signIns.activityOf('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it('lists the sign-ins of the given users since a time, oldest first', async () => {
    await record({ user: 'bob', createdDateTime: '2026-02-01T00:00:00Z' });
    await record({ user: 'bob', createdDateTime: '2026-02-03T00:00:00Z' });
    await record({ user: 'carol', createdDateTime: '2026-02-02T00:00:00Z' });
    const found = await signIns.signInsSince(new Date('2026-02-01T12:00:00Z'), [BOB, CAROL]);
    expect(found.map((s) => [s.userId, s.createdDateTime])).toEqual([
      [CAROL, '2026-02-02T00:00:00.000Z'],
      [BOB, '2026-02-03T00:00:00.000Z'],
    ]);
    expect(await signIns.signInsSince(new Date('2026-02-01T12:00:00Z'), [])).toEqual([]);
    expect((await record({ user: 'nobody' })).status).toBe(400);
  });
});
