import t from 'tap'
import { as, buildApp, stepUpToken } from './helpers/app.js'

t.test('smoke', async (t) => {
  const testApp = await buildApp(t)
  const token = await stepUpToken(testApp)
  const reply = await testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })
  t.equal(reply.statusCode, 200)
  console.log(reply.body)
  const denied = await testApp.app.inject({ url: '/documents/1', headers: as('alice') })
  console.log(denied.statusCode, denied.headers['www-authenticate'], denied.body)
})
