/**
 * An error that carries its HTTP status, a stable machine-readable `code` (also the metrics
 * label) and a short public message. Thrown by handlers and core helpers; mapped to a
 * response in exactly one place (`error-reply.ts`).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends HttpError {
  constructor(code = 'bad_request', message = 'Bad request') {
    super(400, code, message);
  }
}

export class Forbidden extends HttpError {
  constructor(code = 'forbidden', message = 'Forbidden') {
    super(403, code, message);
  }
}

export class NotFound extends HttpError {
  constructor(message = 'Not found') {
    super(404, 'not_found', message);
  }
}

export class MethodNotAllowed extends HttpError {
  constructor(allowed: readonly string[]) {
    super(405, 'method_not_allowed', 'Method not allowed', { allow: allowed.join(', ') });
  }
}

export class PreconditionFailed extends HttpError {
  constructor() {
    super(412, 'precondition_failed', 'Precondition failed');
  }
}

/** RFC 9110 §15.5.17: carries `Content-Range: bytes * /size` so the client learns the length. */
export class RangeNotSatisfiable extends HttpError {
  constructor(size: number) {
    super(416, 'range_not_satisfiable', 'Range not satisfiable', { 'content-range': `bytes */${size}` });
  }
}

/** RFC 8470 §5.2: the request arrived in early data and must be retried after the handshake. */
export class TooEarly extends HttpError {
  constructor() {
    super(425, 'too_early', 'Request not allowed in early data; retry after the handshake');
  }
}

/** RFC 9110 §15.5.9: the request (its head or body) did not arrive in time; the connection or stream is cut after it. */
export class RequestTimeout extends HttpError {
  constructor(message = 'The request body arrived too slowly') {
    super(408, 'request_timeout', message);
  }
}

/** RFC 9110 §15.5.14: the body is larger than the route takes; the rest of it is refused. */
export class PayloadTooLarge extends HttpError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `Body larger than ${limitBytes} bytes`);
  }
}

export class UriTooLong extends HttpError {
  constructor() {
    super(414, 'uri_too_long', 'URI too long');
  }
}
