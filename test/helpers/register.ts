// Registering the plugin with given options and nothing else, for tests of option checking.
import Fastify from 'fastify'
import stepUp, { type FastifyStepUpOptions } from '../../lib/index.js'
import { SECRET } from './app.js'

/** Options that register: a secret, nobody logged in, and email to a transport that sends nothing. */
export const valid: FastifyStepUpOptions = {
  secret: SECRET,
  getUser: () => null,
  email: { from: 'security@example.com', transport: { jsonTransport: true } as never }
}

/** Registers the plugin on a new app; rejects with the configuration error, if any. */
export async function register (options: unknown): Promise<void> {
  const app = Fastify()
  app.register(stepUp, options as FastifyStepUpOptions)
  try {
    await app.ready()
  } finally {
    await app.close()
  }
}
