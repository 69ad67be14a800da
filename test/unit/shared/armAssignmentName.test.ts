import { describe, expect, it } from 'vitest';
import { roleAssignmentName } from '../../../shared/adapters/arm/assignmentName';

const SUB = '8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97';
const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

describe("PIM's role assignment names", () => {
  it('are version 5 GUIDs, the same for the same scope, principal and role however they are spelled', () => {
    const name = roleAssignmentName(`/subscriptions/${SUB}/resourceGroups/rg-app`, ALICE, OWNER);
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(roleAssignmentName(`subscriptions/${SUB.toUpperCase()}/resourcegroups/RG-APP/`, ALICE.toUpperCase(), OWNER.toUpperCase())).toBe(name);
    expect(roleAssignmentName(`/providers/Microsoft.Subscription/subscriptions/${SUB}/resourceGroups/rg-app`, ALICE, OWNER)).toBe(name);
  });

  it('differ when the scope, the principal or the role differs', () => {
    const names = new Set([
      roleAssignmentName(`/subscriptions/${SUB}`, ALICE, OWNER),
      roleAssignmentName(`/subscriptions/${SUB}/resourceGroups/rg-app`, ALICE, OWNER),
      roleAssignmentName(`/subscriptions/${SUB}`, ALICE, READER),
      roleAssignmentName(`/subscriptions/${SUB}`, '375306f3-8c15-476d-9f9d-01dc542d1672', OWNER),
    ]);
    expect(names.size).toBe(4);
  });
});
