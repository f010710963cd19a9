// What the methods list and the replies show of a destination: masked addresses and numbers, and
// numbers written one way whatever separators the profile uses.
import t from 'tap'
import { maskEmail, maskPhone } from '../lib/index.js'
import { normalizePhone } from '../lib/mask.js'

t.test('maskEmail keeps the first character and the domain', async (t) => {
  t.equal(maskEmail('alice@example.com'), 'a***@example.com')
  t.equal(maskEmail('a@example.com'), 'a***@example.com')
  t.equal(maskEmail('odd"name@x@example.com'), 'o***@example.com', 'the last @ starts the domain')
  t.equal(maskEmail('no-at-sign'), 'n***')
  t.equal(maskEmail(''), '***')
})

t.test('maskPhone keeps the last two digits and a leading +', async (t) => {
  t.equal(maskPhone('+1 (555) 010-0123'), '+*********23')
  t.equal(maskPhone('020 7946 0958'), '*********58')
  t.equal(maskPhone('7'), '7')
  t.equal(normalizePhone(' +44 20-7946.0958 '), '+442079460958')
  t.equal(normalizePhone('(020) 7946 0958'), '02079460958')
})
