import { app } from '@azure/functions';
import { getRoleDefinition, listRoleDefinitions } from '../../shared/app/roleDefinitions';
import { graphHandler } from '../../shared/http/graphHandler';
import { pageOf } from '../../shared/http/odata/collection';
import { parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { deps, tokens } from '../composition';

const ENTITY_SET = 'roleManagement/directory/roleDefinitions';
const FILTERABLE = ['id', 'displayName', 'templateId', 'isBuiltIn', 'isEnabled'];

app.http('listRoleDefinitions', {
  route: '{version:regex(^(v1\\.0|beta)$)}/roleManagement/directory/roleDefinitions',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url }) => {
    const query = parseQuery(url.searchParams, { filterable: FILTERABLE });
    const roles = await listRoleDefinitions(deps());
    return collectionResponse(url, ENTITY_SET, pageOf(roles, query, (r) => r.id), query);
  }),
});

app.http('getRoleDefinition', {
  route: '{version:regex(^(v1\\.0|beta)$)}/roleManagement/directory/roleDefinitions/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req }) => {
    const role = await getRoleDefinition(deps(), req.params.id ?? '');
    return entityResponse(url, ENTITY_SET, role);
  }),
});
