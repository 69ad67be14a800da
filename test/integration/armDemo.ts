/** Ids of devhost's demo Azure tree (devhost/arm/demo-azure.json) and demo directory (devhost/graph/demo-directory.json). */
export const TENANT = '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f';
export const ROOT_MG = `/providers/Microsoft.Management/managementGroups/${TENANT}`;
export const PLATFORM_MG = '/providers/Microsoft.Management/managementGroups/platform';
export const LANDING_ZONES_MG = '/providers/Microsoft.Management/managementGroups/landing-zones';

export const CONNECTIVITY = '1b4e7c2a-9d3f-4a6b-8e5c-2f7a0d9c3e61';
export const CORP_PROD = '8d2f5a1c-6e4b-4c9a-b7d3-0e5f8a2c4b97';
export const CORP_DEV = 'c3a9e6d2-5b1f-4f8e-9a2c-7d4b6e0f1a38';
export const sub = (id: string) => `/subscriptions/${id}`;
export const rg = (id: string, name: string) => `/subscriptions/${id}/resourceGroups/${name}`;
export const PROD_STORAGE = `${rg(CORP_PROD, 'rg-data')}/providers/Microsoft.Storage/storageAccounts/stcorpproddata01`;
export const PROD_VAULT = `${rg(CORP_PROD, 'rg-data')}/providers/Microsoft.KeyVault/vaults/kv-corp-prod-01`;

export const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
export const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
export const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
export const USER_ACCESS_ADMIN = '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9';
/** Roles Azure lets carry an ABAC condition: a storage data role, and role assignment delegation. */
export const STORAGE_BLOB_DATA_OWNER = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
export const RBAC_ADMIN = 'f58310d9-a9f6-439a-9e8d-f62e7b41a168';
/** The ABAC condition of ARM's PIM examples (one blob container). */
export const CONTAINER_CONDITION = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'foo_storage_container'";
/** "Corp Production App Operator", assignable at the Corp Production subscription only. */
export const CUSTOM_APP_OPERATOR = '5a1e0c7d-3b9f-4e2a-8c6d-0f1e2d3c4b5a';

export const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
export const BOB = '375306f3-8c15-476d-9f9d-01dc542d1672';
export const CAROL = 'fda5ae5d-95e1-4872-a3b8-5f9f31d5cdba';
export const DAVE = '599705de-ec4f-4030-ab09-7fe0b43f0aaa';
export const ERIN = 'af3e8efd-80fc-416b-9f50-e1dbb38235a5';
/** "DB Owners": carol and dave. */
export const DB_OWNERS = 'a261738d-44fa-4fe5-b885-502ea33c4838';
