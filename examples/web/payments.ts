// The "Send money" page's server side: a payment goes through only with a step-up made for exactly
// this payment (transaction signing). The user approves a summary the plugin words from the amount,
// currency and payee; the token is bound to those three fields and pays once.
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { StepUpActionsOption } from 'fastify-step-up'

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const
const AMOUNT = /^[0-9]{1,7}\.[0-9]{2}$/

interface Payment {
  amount: string
  currency: (typeof CURRENCIES)[number]
  payee: string
}

/**
 * The plugin's `actions` option: what the person approves. It runs before the payment is sent, on
 * the fields the page proposes, so it refuses what the payment route would (a 400, nothing sent).
 */
export const paymentActions: StepUpActionsOption = {
  payment: {
    summary ({ amount, currency, payee }) {
      if (typeof amount !== 'string' || !AMOUNT.test(amount)) throw new Error('the amount is not an amount')
      if (!CURRENCIES.includes(currency as Payment['currency'])) throw new Error('unknown currency')
      if (typeof payee !== 'string' || payee.length === 0 || payee.length > 64) throw new Error('no payee')
      return `Approve payment of ${amount} ${currency} to ${payee}`
    }
  }
}

/** POST /payments: the fields the step-up must have been made for, checked before the handler runs. */
export function registerPayments (app: FastifyInstance): void {
  app.post<{ Body: Payment }>('/payments', {
    schema: {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['amount', 'currency', 'payee'],
        properties: {
          amount: { type: 'string', pattern: AMOUNT.source },
          currency: { enum: [...CURRENCIES] },
          payee: { type: 'string', minLength: 1, maxLength: 64 }
        }
      }
    },
    config: {
      // The guard reads the body, so the plugin runs it as a preHandler. A token made for another
      // amount, currency or payee, or used before, is refused with a 401.
      stepUp: {
        action: 'payment',
        actionData: (request: { body: Payment }) => ({ amount: request.body.amount, currency: request.body.currency, payee: request.body.payee }),
        singleUse: true
      }
    }
  }, async (request) => ({
    id: randomUUID(),
    amount: request.body.amount,
    currency: request.body.currency,
    payee: request.body.payee,
    approvedAt: new Date(request.stepUp!.auth_time * 1000).toISOString()
  }))
}
