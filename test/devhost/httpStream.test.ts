// Streaming is switched on before the app registers, as the app's own setup module does.
import './fixtures/enableHttpStream';
import './fixtures/httpApp';
import { httpTriggerSuite } from './httpSuite';

httpTriggerSuite('stream');
