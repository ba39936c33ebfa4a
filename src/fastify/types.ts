/** The types of any Fastify app the adapter takes: HTTP/1 or HTTP/2, any logger, any type provider. */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerBase,
  RouteGenericInterface,
} from 'fastify'

/** A request of any Fastify app: HTTP/1 or HTTP/2, any type provider. */
export type AnyFastifyRequest = FastifyRequest<
  RouteGenericInterface,
  RawServerBase,
  RawRequestDefaultExpression<RawServerBase>,
  FastifySchema,
  FastifyTypeProvider
>

/** A reply of any Fastify app: HTTP/1 or HTTP/2, any type provider. */
export type AnyFastifyReply = FastifyReply<
  RouteGenericInterface,
  RawServerBase,
  RawRequestDefaultExpression<RawServerBase>,
  RawReplyDefaultExpression<RawServerBase>,
  unknown,
  FastifySchema,
  FastifyTypeProvider
>

/** A Fastify app or plugin instance of any kind: HTTP/1 or HTTP/2, any logger, any type provider. */
export type AnyFastifyInstance = FastifyInstance<
  RawServerBase,
  RawRequestDefaultExpression<RawServerBase>,
  RawReplyDefaultExpression<RawServerBase>,
  FastifyBaseLogger,
  FastifyTypeProvider
>
