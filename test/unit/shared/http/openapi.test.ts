import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parseRequestBody, requestBodySchema } from '../../../../shared/app/requestBody';
import { decide, newApproval } from '../../../../shared/domain/approval';
import { defaultRules } from '../../../../shared/domain/policy/defaults';
import { patchRule, RULE_SETTINGS } from '../../../../shared/domain/policy/validate';
import { approvalDecisionBody, rulePatchBody } from '../../../../shared/http/handParsedBodies';
import { jsonSchemaOf } from '../../../../shared/http/openapi/jsonSchema';
import { templatePath } from '../../../../shared/http/openapi/paths';
import { GROUP_BODY } from '../../../../shared/http/surfaces/groups';

const ajv = new Ajv2020({ strict: false, validateFormats: false });
const accepts = (fn: () => unknown) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

describe('route templates as OpenAPI paths', () => {
  it("turns the Graph version's regex into an enum and keeps function-call segments", () => {
    expect(templatePath("{version:regex(^(v1\\.0|beta)$)}/x/filterByCurrentUser(on='{on}')")).toEqual({
      path: "/{version}/x/filterByCurrentUser(on='{on}')",
      parameters: [
        { name: 'version', in: 'path', required: true, schema: { type: 'string', enum: ['v1.0', 'beta'] } },
        { name: 'on', in: 'path', required: true, schema: { type: 'string' } },
      ],
    });
  });

  it('reports a catch-all apart, and leaves a dotted literal alone', () => {
    expect(templatePath('subscriptions/{*rest}')).toEqual({ path: '/subscriptions', parameters: [], catchAll: 'rest' });
    expect(templatePath('openapi.json')).toEqual({ path: '/openapi.json', parameters: [] });
    expect(templatePath('items/{id:guid}').parameters[0]?.schema).toEqual({ type: 'string', format: 'uuid' });
  });
});

describe('generated body schemas accept what the handlers accept', () => {
  it('reads enums in any letter case, as the handler does', () => {
    const validate = ajv.compile(jsonSchemaOf(requestBodySchema(GROUP_BODY)));
    const body = { action: 'AdminAssign', principalId: 'p', groupId: 'g', accessId: 'Member', scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'PT2H' } } };
    expect(validate(body)).toBe(true);
    expect(accepts(() => parseRequestBody(body, GROUP_BODY))).toBe(true);
    const wrong = { ...body, accessId: 'guest' };
    expect(validate(wrong)).toBe(false);
    expect(accepts(() => parseRequestBody(wrong, GROUP_BODY))).toBe(false);
  });

  it("agrees with patchRule on every default rule: its own settings pass, a misspelt or mistyped one fails", () => {
    const validate = ajv.compile(jsonSchemaOf(rulePatchBody));
    for (const rule of defaultRules()) {
      const settings = Object.fromEntries(RULE_SETTINGS[rule['@odata.type']].map((k) => [k, (rule as unknown as Record<string, unknown>)[k]]).filter(([, v]) => v !== undefined));
      const body = { '@odata.type': rule['@odata.type'], id: rule.id, ...settings };
      expect(validate(body), `${rule.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(accepts(() => patchRule(rule, body)), rule.id).toBe(true);
      const misspelt = { ...body, [`${RULE_SETTINGS[rule['@odata.type']][0]}s`]: true };
      expect(validate(misspelt), rule.id).toBe(false);
      expect(accepts(() => patchRule(rule, misspelt)), rule.id).toBe(false);
    }
    const expiration = defaultRules().find((r) => r.id === 'Expiration_EndUser_Assignment');
    if (!expiration) throw new Error('no expiration rule');
    expect(validate({ isExpirationRequired: 'yes' })).toBe(false);
    expect(accepts(() => patchRule(expiration, { isExpirationRequired: 'yes' }))).toBe(false);
  });

  it('agrees with decide on an approval decision', () => {
    const validate = ajv.compile(jsonSchemaOf(approvalDecisionBody));
    const at = new Date('2026-11-23T10:00:00Z');
    const stage = { approvers: [{ '@odata.type': '#microsoft.graph.singleUser' as const, userId: 'p1' }], timeoutMinutes: 1440, isApproverJustificationRequired: false, approvalsRequired: 1, denyMode: 'any' as const, escalation: null };
    const approval = newApproval('req', 'requester', { principalId: 'requester', target: { kind: 'directoryRole', roleDefinitionId: 'r', directoryScopeId: '/' } }, [stage], at, randomUUID);
    const stepId = approval.steps[0]?.id ?? '';
    const decided = (body: { reviewResult?: unknown; justification?: unknown }) =>
      accepts(() => decide(approval, { stepId, reviewer: { id: 'p1', displayName: 'p1' }, isApprover: true, approverCount: 1, reviewResult: body.reviewResult, justification: body.justification, at }));
    for (const body of [{ reviewResult: 'Approve', justification: 'ok' }, { reviewResult: 'Deny' }, { reviewResult: 'Maybe' }, { reviewResult: 'Approve', justification: 'x'.repeat(501) }]) {
      expect(validate(body), JSON.stringify(body).slice(0, 60)).toBe(decided(body));
    }
  });
});
