import { httpRoute } from '../httpRoute';
import { getRoleDefinition, inheritedRoles, listRoleDefinitions } from '../../shared/app/roleDefinitions';
import { HttpError } from '../../shared/http/graphErrors';
import { graphHandler } from '../../shared/http/graphHandler';
import { pageOf, project } from '../../shared/http/odata/collection';
import { type ExpandItem, parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { roleDefinitionJson } from '../../shared/http/roleDefinitionJson';
import type { RoleDefinition } from '../../shared/ports/directory';
import { deps, tokens } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const ENTITY_SET = 'roleManagement/directory/roleDefinitions';
const FILTERABLE = ['id', 'displayName', 'templateId', 'isBuiltIn', 'isEnabled', 'isPrivileged'];
const INHERITS = 'inheritsPermissionsFrom';
/** Graph's one relationship of a role definition. */
const EXPANDABLE = { filterable: FILTERABLE, expandable: [INHERITS], expandSelect: true };

/**
 * What `$expand=inheritsPermissionsFrom` asks for, checked before anything is read: the
 * inherited roles (with an optional nested $select), nothing expanded inside them.
 */
function inheritsExpansion(expand: ExpandItem[]): ExpandItem | undefined {
  const item = expand.find((e) => e.property.toLowerCase() === INHERITS.toLowerCase());
  if (item && item.expand.length > 0) throw new HttpError('BadRequest', `Nothing can be expanded inside ${INHERITS}; remove the nested $expand.`, 400);
  return item;
}

/** The role as Graph shows it; with the expansion, its inherited roles in place of their ids. */
async function shown(role: RoleDefinition, inherits: ExpandItem | undefined, known?: ReadonlyMap<string, RoleDefinition>): Promise<Record<string, unknown>> {
  const json = roleDefinitionJson(role);
  if (inherits) json[INHERITS] = (await inheritedRoles(deps(), role, known)).map((r) => project(roleDefinitionJson(r), inherits.select));
  return json;
}

/** $select keeps what was expanded too, as Graph does. */
const keepExpanded = (select: string[] | undefined, inherits: ExpandItem | undefined) => (select && inherits ? [...select, INHERITS] : select);

httpRoute('listRoleDefinitions', {
  route: `${V}/${ENTITY_SET}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url }) => {
    const query = parseQuery(url.searchParams, EXPANDABLE);
    const inherits = inheritsExpansion(query.expand);
    const roles = await listRoleDefinitions(deps());
    const byId = new Map(roles.map((r) => [r.id, r]));
    // Filtered and paged on the plain JSON; only the page is expanded.
    const page = pageOf(roles.map(roleDefinitionJson), query, (r) => String(r.id));
    const value = await Promise.all(page.value.map(async (json) => {
      const role = byId.get(String(json.id));
      return role ? shown(role, inherits, byId) : json;
    }));
    return collectionResponse(url, ENTITY_SET, { ...page, value }, { ...query, select: keepExpanded(query.select, inherits) });
  }),
});

httpRoute('getRoleDefinition', {
  route: `${V}/${ENTITY_SET}/{id}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req }) => {
    const query = parseQuery(url.searchParams, { ...EXPANDABLE, filterable: [] });
    const inherits = inheritsExpansion(query.expand);
    const role = await getRoleDefinition(deps(), req.params.id ?? '');
    return entityResponse(url, ENTITY_SET, project(await shown(role, inherits), keepExpanded(query.select, inherits)));
  }),
});

httpRoute('listRoleDefinitionInheritsPermissionsFrom', {
  route: `${V}/${ENTITY_SET}/{id}/${INHERITS}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req }) => {
    const query = parseQuery(url.searchParams, { filterable: FILTERABLE });
    const role = await getRoleDefinition(deps(), req.params.id ?? '');
    const items = (await inheritedRoles(deps(), role)).map(roleDefinitionJson);
    return collectionResponse(url, `${ENTITY_SET}('${role.id}')/${INHERITS}`, pageOf(items, query, (r) => String(r.id)), query);
  }),
});
