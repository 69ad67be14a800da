/**
 * devhost's ARM stand-in, read as Azure Resource Manager is read (no token: a loopback stand-in
 * takes none), for the e2e tests of Azure resource roles: the demo tree they run against, and
 * the role assignments that are really there.
 */

/** Built-in role GUIDs (the same in every tenant). Storage Blob Data Owner may carry a condition (ABAC). */
export const AZURE_ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
} as const;

/** A subscription of the demo tree, with two of its resource groups and the management group directly above it. */
export interface DemoScopes {
  sub: string;
  rg: string;
  otherRg: string;
  mg: string;
}

/** ARM's api-version for role assignments and role definitions. */
const AUTHORIZATION = 'api-version=2022-04-01';

/** GET `path` from the stand-in at `base` (e.g. http://localhost:7071/.devhost/arm). */
export async function standInGet<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  if (!res.ok) throw new Error(`The ARM stand-in answered ${res.status} to GET ${path}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every subscription of the stand-in's demo tree that has two resource groups and sits directly in a management group. */
export async function demoSubscriptions(base: string): Promise<[DemoScopes, ...DemoScopes[]]> {
  const found: DemoScopes[] = [];
  const subs = await standInGet<{ value: Array<{ subscriptionId: string }> }>(base, '/subscriptions?api-version=2022-12-01');
  const mgs = await standInGet<{ value: Array<{ name: string }> }>(base, '/providers/Microsoft.Management/managementGroups?api-version=2021-04-01');
  const under = new Map<string, string>();
  for (const { name } of mgs.value) {
    const children = await standInGet<{ value: Array<{ name: string }> }>(base, `/providers/Microsoft.Management/managementGroups/${name}/subscriptions?api-version=2021-04-01`);
    for (const s of children.value) under.set(s.name.toLowerCase(), name);
  }
  for (const { subscriptionId } of subs.value) {
    const groups = await standInGet<{ value: Array<{ name: string }> }>(base, `/subscriptions/${subscriptionId}/resourcegroups?api-version=2021-04-01`);
    const [rg, otherRg] = groups.value.map((g) => g.name);
    const mg = under.get(subscriptionId.toLowerCase());
    if (!rg || !otherRg || !mg) continue;
    const sub = `/subscriptions/${subscriptionId.toLowerCase()}`;
    found.push({ sub, rg: `${sub}/resourceGroups/${rg}`, otherRg: `${sub}/resourceGroups/${otherRg}`, mg: `/providers/Microsoft.Management/managementGroups/${mg}` });
  }
  const [first, ...more] = found;
  if (!first) throw new Error('The ARM stand-in has no subscription with two resource groups directly under a management group.');
  return [first, ...more];
}

/** The GUIDs of the roles Azure can assign at `scope`, as its role definitions list says. */
export async function roleGuidsAt(base: string, scope: string): Promise<string[]> {
  const list = await standInGet<{ value: Array<{ name: string }> }>(base, `${scope}/providers/Microsoft.Authorization/roleDefinitions?${AUTHORIZATION}`);
  return list.value.map((d) => d.name.toLowerCase());
}

export interface StandInAssignment {
  /** The assignment's name (a GUID). */
  name: string;
  scope: string;
  role: string;
  /** Its ABAC condition and version, as ARM returns them (null: none). */
  condition: string | null;
  conditionVersion: string | null;
}

/** The principal's role assignments in the stand-in at, above or below `scope`: name, scope (lower case), role GUID and condition. */
export async function roleAssignmentsOf(base: string, principalId: string, scope: string): Promise<StandInAssignment[]> {
  const list = await standInGet<{ value: Array<{ name: string; properties: { scope: string; roleDefinitionId: string; condition: string | null; conditionVersion: string | null } }> }>(
    base,
    `${scope}/providers/Microsoft.Authorization/roleAssignments?${AUTHORIZATION}&$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`,
  );
  return list.value.map((a) => ({
    name: a.name,
    scope: a.properties.scope.toLowerCase(),
    role: (a.properties.roleDefinitionId.split('/').pop() ?? '').toLowerCase(),
    condition: a.properties.condition,
    conditionVersion: a.properties.conditionVersion,
  }));
}
