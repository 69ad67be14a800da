import { describe, expect, it } from 'vitest';
import { DIRECTORY_ROLE_BODY, parseRequestBody } from '../../../../../shared/app/requestBody';
import { parseAzureScope } from '../../../../../shared/domain/azureScope';
import { DomainError } from '../../../../../shared/domain/errors';
import { armPage } from '../../../../../shared/http/arm/paging';
import { AZURE_ROLE_BODY, readArmScheduleRequest } from '../../../../../shared/http/arm/requestBody';

const SUB = '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f';
const ROLE = 'c8d4ff99-41c3-41a8-9f60-21dfdad59608';
const NAME = 'FEA7A502-9A96-4806-A26F-EEE560E52045';
const scope = parseAzureScope(`providers/Microsoft.Subscription${SUB}`);

const CONDITION = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'foo_storage_container'";

/** ARM's PutRoleAssignmentScheduleRequest.json body, without its condition. */
const activation = {
  properties: {
    principalId: 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea',
    roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE}`,
    requestType: 'SelfActivate',
    linkedRoleEligibilityScheduleId: 'b1477448-2cc6-4ceb-93b4-54a202a89413',
    scheduleInfo: { startDateTime: '2020-09-09T21:35:27.91Z', expiration: { type: 'AfterDuration', endDateTime: null, duration: 'PT8H' } },
  },
};

function refusal(raw: unknown, name = NAME): DomainError {
  try {
    readArmScheduleRequest(raw, 'assignment', scope, name);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe("ARM's schedule request body", () => {
  it("reads ARM's example into the middle's body: the URL's scope, the role's GUID, the name as the request id", () => {
    const read = readArmScheduleRequest(activation, 'assignment', scope, NAME);
    expect(read).toMatchObject({ action: 'selfActivate', roleDefinitionGuid: ROLE, linkedRoleEligibilityScheduleId: 'b1477448-2cc6-4ceb-93b4-54a202a89413', targetScheduleId: null });
    const body = parseRequestBody(read.body, AZURE_ROLE_BODY);
    expect(body).toMatchObject({
      action: 'selfActivate',
      principalId: activation.properties.principalId,
      target: { kind: 'azureRole', scope: SUB, roleDefinitionId: ROLE },
      requestId: NAME.toLowerCase(),
      scheduleInfo: { startDateTime: '2020-09-09T21:35:27.91Z', expiration: { type: 'afterDuration', duration: 'PT8H' } },
      justification: null,
    });
  });

  it('reads enum values in any letter case, and a full id of the eligibility as its GUID', () => {
    const read = readArmScheduleRequest(
      { properties: { ...activation.properties, requestType: 'selfactivate', linkedRoleEligibilityScheduleId: `${SUB}/providers/Microsoft.Authorization/roleEligibilitySchedules/b1477448-2cc6-4ceb-93b4-54a202a89413`, scheduleInfo: { expiration: { type: 'noexpiration' } } } },
      'assignment',
      scope,
      NAME,
    );
    expect(read.action).toBe('selfActivate');
    expect(read.linkedRoleEligibilityScheduleId).toBe('b1477448-2cc6-4ceb-93b4-54a202a89413');
    expect(parseRequestBody(read.body, AZURE_ROLE_BODY).scheduleInfo.expiration.type).toBe('noExpiration');
  });

  it("carries ARM's example condition into the middle's body unchanged, version included", () => {
    const example = { properties: { ...activation.properties, condition: CONDITION, conditionVersion: '1.0' } };
    const read = readArmScheduleRequest(example, 'assignment', scope, NAME);
    expect(read.body.condition).toEqual({ condition: CONDITION, conditionVersion: '1.0' });
    expect(parseRequestBody(read.body, AZURE_ROLE_BODY).condition).toEqual({ condition: CONDITION, conditionVersion: '1.0' });
  });

  it('gives the middle no condition when the body has none (null as a GET shows it), and a cleared one for empty strings', () => {
    for (const properties of [activation.properties, { ...activation.properties, condition: null, conditionVersion: null }]) {
      const body = parseRequestBody(readArmScheduleRequest({ properties }, 'assignment', scope, NAME).body, AZURE_ROLE_BODY);
      expect('condition' in body).toBe(false);
    }
    const cleared = readArmScheduleRequest({ properties: { ...activation.properties, condition: '', conditionVersion: '' } }, 'assignment', scope, NAME);
    expect(parseRequestBody(cleared.body, AZURE_ROLE_BODY).condition).toBeNull();
  });

  it("Graph's surfaces read no condition: their bodies are as before", () => {
    const graphBody = { action: 'adminAssign', principalId: 'p', roleDefinitionId: 'r', directoryScopeId: '/', condition: CONDITION, conditionVersion: '2.0' };
    expect('condition' in parseRequestBody(graphBody, DIRECTORY_ROLE_BODY)).toBe(false);
  });

  it('ignores the read-only properties a client sends back from a GET', () => {
    expect(() => readArmScheduleRequest({ properties: { ...activation.properties, status: 'Provisioned', scope: '/elsewhere', createdOn: 'x', expandedProperties: {} } }, 'assignment', scope, NAME)).not.toThrow();
  });

  it('refuses, with a stable code and what to send instead', () => {
    const cases: Array<[unknown, string, string?]> = [
      [undefined, 'InvalidRequestContent'],
      [activation.properties, 'InvalidRequestContent'],
      [{ properties: { ...activation.properties, principalId: undefined } }, 'InvalidRequestContent'],
      [{ properties: { ...activation.properties, requestType: 'Activate' } }, 'InvalidRequestContent'],
      [{ properties: { ...activation.properties, scheduleInfo: { expiration: { type: 'Later' } } } }, 'InvalidRequestContent'],
      [{ properties: { ...activation.properties, condition: CONDITION } }, 'InvalidCondition'],
      [{ properties: { ...activation.properties, condition: CONDITION, conditionVersion: null } }, 'InvalidCondition'],
      [{ properties: { ...activation.properties, conditionVersion: '2.0' } }, 'InvalidCondition'],
      [{ properties: { ...activation.properties, condition: CONDITION, conditionVersion: '3.0' } }, 'InvalidConditionVersion'],
      [{ properties: { ...activation.properties, condition: 42, conditionVersion: '2.0' } }, 'InvalidRequestContent'],
      [{ properties: { ...activation.properties, roleDefinitionId: 'Owner' } }, 'InvalidRoleDefinitionId'],
      [{ properties: { ...activation.properties, roleDefinitionId: `/subscriptions/00000000-0000-4000-8000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${ROLE}` } }, 'InvalidRoleDefinitionId'],
      [activation, 'InvalidResourceName', 'not-a-guid'],
    ];
    for (const [raw, code, name] of cases) {
      const error = refusal(raw, name);
      expect({ code: error.code, status: error.status }, JSON.stringify(raw)).toEqual({ code, status: 400 });
    }
  });
});

describe("ARM's paging", () => {
  const items = Array.from({ length: 5 }, (_, i) => ({ id: `/x/${i}` }));

  it('pages $top at a time with an absolute nextLink that keeps the query and carries $skipToken', () => {
    const first = armPage(new URL(`https://pim.contoso.com${SUB}/providers/Microsoft.Authorization/roleEligibilitySchedules?api-version=2020-10-01&$filter=atScope()&$top=2`), items);
    expect(first.value).toEqual(items.slice(0, 2));
    expect(first.nextLink).toMatch(/^https:\/\/pim\.contoso\.com\/subscriptions\/.+\?api-version=2020-10-01&\$filter=atScope\(\)&\$top=2&\$skipToken=[\w-]+$/);
    const second = armPage(new URL(first.nextLink ?? ''), items);
    expect(second.value).toEqual(items.slice(2, 4));
    const third = armPage(new URL(second.nextLink ?? ''), items);
    expect(third).toEqual({ value: items.slice(4) });
  });

  it('refuses a $top ARM would not take', () => {
    for (const top of ['0', '-1', 'ten', '1001']) expect(() => armPage(new URL(`https://h/x?$top=${top}`), items)).toThrow(/\$top/);
  });
});
