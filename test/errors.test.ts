// The error helpers an app uses on the plugin's errors.
import t from 'tap'
import { isStepUpError, FST_STEP_UP_CODE_INVALID, FST_STEP_UP_OPTION_SECRET } from '../lib/errors.js'

t.test('isStepUpError tells request errors from everything else', async (t) => {
  t.ok(isStepUpError(new FST_STEP_UP_CODE_INVALID()))
  t.notOk(isStepUpError(new FST_STEP_UP_OPTION_SECRET()), 'configuration errors carry no status')
  t.notOk(isStepUpError(Object.assign(new Error('x'), { code: 'FST_ERR_VALIDATION', statusCode: 400 })))
  t.notOk(isStepUpError({ code: 'FST_STEP_UP_CODE_INVALID', statusCode: 400 }), 'only Error instances')
  t.notOk(isStepUpError(null))
})
