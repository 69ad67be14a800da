/** Ids of devhost's demo directory (devhost/graph/demo-directory.json), for the e2e tests. */
export const ROLES = {
  globalAdmin: '62e90394-69f5-4237-9190-012177145e10',
  privRole: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  userAdmin: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  exchange: '29232cdf-9323-42fd-ade2-1d097af3e4de',
  security: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  helpdesk: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  appAdmin: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
} as const;

export const USERS = {
  admin: '68b8c788-ea3d-4078-bed2-32c351393298',
  alice: '73b0040d-6875-43f0-b197-2aeff3c6b91d',
  bob: '375306f3-8c15-476d-9f9d-01dc542d1672',
  carol: 'fda5ae5d-95e1-4872-a3b8-5f9f31d5cdba',
  dave: '599705de-ec4f-4030-ab09-7fe0b43f0aaa',
  erin: 'af3e8efd-80fc-416b-9f50-e1dbb38235a5',
} as const;

export const GROUPS = {
  approvers: 'a5135109-50e1-4961-8b3f-f3cf6aa1e9ec',
  dbOwners: 'a261738d-44fa-4fe5-b885-502ea33c4838',
} as const;
