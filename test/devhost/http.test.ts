import './fixtures/httpApp';
import { httpTriggerSuite } from './httpSuite';

httpTriggerSuite('rpc');
