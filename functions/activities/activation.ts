import * as df from 'durable-functions';
import { ACTIVITIES } from '../../shared/adapters/durable/names';
import { currentEnd, endActivation, grantActivation, revokeActivation, settleStage } from '../../shared/app/activationSteps';
import { deps } from '../composition';

df.app.activity(ACTIVITIES.settleStage, {
  handler: (input: { requestId: string; stage: number; timedOut: boolean }) => settleStage(deps(), input.requestId, input.stage, input.timedOut),
});

df.app.activity(ACTIVITIES.grant, { handler: (requestId: string) => grantActivation(deps(), requestId) });

df.app.activity(ACTIVITIES.fail, {
  handler: (requestId: string) => endActivation(deps(), requestId, 'Failed', 'The role could not be granted in the directory.'),
});

df.app.activity(ACTIVITIES.currentEnd, { handler: (requestId: string) => currentEnd(deps(), requestId) });

df.app.activity(ACTIVITIES.revoke, { handler: (requestId: string) => revokeActivation(deps(), requestId) });
