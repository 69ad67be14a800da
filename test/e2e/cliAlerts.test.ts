import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertClient, assignOutsidePim } from './alertApi';
import { type AppHost, startAppHost } from './appHost';
import { type Run, runPim, signedInProfile } from './cliRunner';
import { ROLES, USERS } from './demo';

const OUTSIDE = 'RolesAssignedOutsidePimAlert';

let app: AppHost;
let admin: string;
let outsideId: string;

const pim = (configDir: string, args: string[]): Promise<Run> => runPim(app.url, configDir, args);

const signedIn = (user: string): Promise<string> => signedInProfile(app.url, [user]);

interface Row {
  name: string;
  severityLevel: string;
  incidentCount: number;
  isActive: boolean;
  lastModifiedDateTime: string | null;
}

async function listed(dir: string, ...args: string[]): Promise<Row[]> {
  const res = await pim(dir, ['alerts', ...args, '--json']);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Row[];
}

beforeAll(async () => {
  app = await startAppHost();
  admin = await signedIn('admin');
  outsideId = await assignOutsidePim(app, USERS.dave, ROLES.exchange);
}, 120_000);

afterAll(async () => {
  await app?.host.stop();
});

describe('pim alerts', () => {
  it('refresh rescans every alert and waits for the operation; the list then shows what was found', async () => {
    expect(await listed(admin)).toEqual([]);
    const refreshed = await pim(admin, ['alerts', 'refresh']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stderr).toContain('Refreshing every alert');
    expect(refreshed.stdout).toContain('Refreshed every alert.');
    expect(refreshed.stdout).toMatch(new RegExp(`${OUTSIDE}\\s+Roles are being assigned outside of Privileged Identity Management\\s+high\\s+1\\s+\\d{4}-\\d{2}-\\d{2}T\\S+\\s+active`));

    const rows = await listed(admin);
    expect(rows.find((r) => r.name === OUTSIDE)).toMatchObject({ severityLevel: 'high', incidentCount: 1, isActive: true });
    // Only alerts with incidents, most severe first.
    expect(rows.every((r) => r.incidentCount > 0 && r.isActive)).toBe(true);
    const order = ['high', 'medium', 'low', 'informational', 'unknown'];
    expect(rows.map((r) => order.indexOf(r.severityLevel))).toEqual([...rows.map((r) => order.indexOf(r.severityLevel))].sort((a, b) => a - b));
    // --all: every alert, with or without incidents.
    expect((await listed(admin, '--all')).map((r) => r.name)).toContain('StaleSignInAlert');
  }, 60_000);

  it('show lists an alert\'s incidents with who and which role, by its name or its id', async () => {
    const shown = await pim(admin, ['alerts', 'show', OUTSIDE.toLowerCase()]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Roles are being assigned outside of Privileged Identity Management (${OUTSIDE}, high): 1 incident`);
    expect(shown.stdout).toMatch(new RegExp(`${outsideId}\\s+Dave Diaz\\s+Exchange Administrator`));
    expect(shown.stdout).toContain('What to do: Review the users in the list');

    const alert = await alertClient(app).alert(OUTSIDE);
    const json = await pim(admin, ['alerts', 'show', alert.id, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { incidents: Array<{ id: string; assigneeId: string }> }).incidents).toEqual([expect.objectContaining({ id: outsideId, assigneeId: USERS.dave })]);

    const unknown = await pim(admin, ['alerts', 'show', 'NoSuchAlert']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No PIM alert 'NoSuchAlert'. The alerts are:");
    expect(unknown.stderr).toContain('StaleSignInAlert');
  }, 60_000);

  it('dismiss takes an alert off the list until a refresh of it brings it back', async () => {
    const dismissed = await pim(admin, ['alerts', 'dismiss', OUTSIDE]);
    expect(dismissed.code, dismissed.stderr).toBe(0);
    expect(dismissed.stdout).toContain(`Dismissed Roles are being assigned outside of Privileged Identity Management (${OUTSIDE}).`);
    expect((await alertClient(app).alert(OUTSIDE)).isActive).toBe(false);
    expect((await listed(admin)).map((r) => r.name)).not.toContain(OUTSIDE);
    expect((await listed(admin, '--all')).find((r) => r.name === OUTSIDE)).toMatchObject({ isActive: false, incidentCount: 1 });

    const refreshed = await pim(admin, ['alerts', 'refresh', OUTSIDE]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout).toContain(`Refreshed ${OUTSIDE}.`);
    const row = (await listed(admin)).find((r) => r.name === OUTSIDE);
    expect(row).toMatchObject({ isActive: true, incidentCount: 1 });
    expect(row?.lastModifiedDateTime).not.toBeNull();
  }, 60_000);

  it('lets auditors read but not act, and refuses people who are neither, saying which role it needs', async () => {
    const auditor = await signedIn('erin');
    expect((await listed(auditor)).map((r) => r.name)).toContain(OUTSIDE);
    const dismiss = await pim(auditor, ['alerts', 'dismiss', OUTSIDE]);
    expect(dismiss.code).toBe(1);
    expect(dismiss.stderr).toContain('Only PIM administrators can change, dismiss, refresh or remediate PIM alerts.');

    const user = await pim(await signedIn('alice'), ['alerts']);
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('PIM.Admin or PIM.Auditor');

    const usage = await pim(admin, ['alerts', 'remove', OUTSIDE]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Unknown 'pim alerts remove': use show, refresh or dismiss");
  }, 60_000);
});
