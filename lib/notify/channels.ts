// Where notifications go: the email and SMS methods' own transports, to each of the user's own
// verified addresses (every one on the profile, enrolled or not: a notification tells the owner,
// it proves nothing), each exactly one address, each once however the profile spells it.
import { distinctDestinations, type OtpChannel, type StepUpMethodModule } from '../methods/method.js'
import type { StepUpUser } from '../types.js'
import type { NotifierChannel, NotifierChannels } from './notifier.js'

/** At most this many addresses per channel: a profile with dozens is not the owner's inbox. */
const MAX_DESTINATIONS = 5

function channel (module: OtpChannel | undefined, entries: (user: StepUpUser) => readonly string[] | undefined): NotifierChannel | undefined {
  if (module === undefined) return undefined
  return {
    destinations: (user) => distinctDestinations(module, entries(user) ?? []).slice(0, MAX_DESTINATIONS),
    send: (message) => module.notify(message)
  }
}

/** The channels of the code methods that are on. */
export function notificationChannels (methods: readonly StepUpMethodModule[]): NotifierChannels {
  const otp = (name: 'email' | 'sms') => methods.find((module): module is OtpChannel => module.kind === 'otp' && module.method === name)
  return {
    email: channel(otp('email'), (user) => user.emails),
    sms: channel(otp('sms'), (user) => user.phones)
  }
}
