// fastify-step-up/loginradius: routes that answer LoginRadius re-authentication clients, mounted on
// the step-up plugin (Fastify); fastify-step-up/loginradius/express (express.ts) mounts them on
// what createStepUp returned (Express), so each app compiles with its own framework's types only. A leaf: it reaches the
// plugin through the adapters' handle only, and nothing of the plugin imports it.
export { loginRadius, loginRadius as default } from './fastify.js'
export { loginRadiusAccessToken, type RequestWithToken } from './access-token.js'
export type { LoginRadiusOptions, LoginRadiusSmsTemplateContext } from './options.js'
