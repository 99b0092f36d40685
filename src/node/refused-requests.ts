// The answers to requests the Node server refuses before they reach the app: a request line and
// headers over MAX_REQUEST_HEAD_BYTES, bytes that are not HTTP/1.1, a Host header or target that
// cannot form a URL, a client too slow to send its headers. Node answers the first kinds itself
// with an empty body (431, 400, 408) and @hono/node-server the URL ones (400, empty): a client
// that reads `{ "error": { "code", "message" } }` everywhere else got nothing to read, and a
// browser no CORS header to read it with. These give the public API's error body, also under
// /ocpi (the path is not known yet when the request is refused).
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { RequestError } from '@hono/node-server';
import type { Logger } from '../log.js';

/**
 * The longest request line plus headers the server reads (Node's maxHeaderSize). It is Node's
 * default, pinned here so that `--max-http-header-size` in NODE_OPTIONS cannot move the limit
 * docs/api.md states; a longer URL is a 431 `request_too_large`.
 */
export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

/** A refusal as the client gets it. */
export interface Refusal {
  status: 400 | 408 | 413 | 431;
  code: string;
  message: string;
}

/** Node's parser error (http 'clientError'): `code` is llhttp's (HPE_*) or Node's, `reason` llhttp's words. */
type ClientError = Error & { code?: string; reason?: string };

/** What a request Node's HTTP parser refused gets, by the parser's error code (Node's own statuses). */
export function refusalOfClientError(err: ClientError): Refusal {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'request_too_large',
        message: `the request line and headers are over ${MAX_REQUEST_HEAD_BYTES.toLocaleString('en')} bytes: shorten the URL (or the headers)`,
      };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return {
        status: 413,
        code: 'request_too_large',
        message: 'chunk extensions of the body are too large',
      };
    case 'HPE_PAUSED_H2_UPGRADE':
      return { status: 400, code: 'bad_request', message: 'HTTP/2 without TLS is not served: use HTTP/1.1' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'the request was not received in time' };
    default:
      return {
        status: 400,
        code: 'bad_request',
        message: `not a valid HTTP/1.1 request${err.reason ? ` (${err.reason})` : ''}`,
      };
  }
}

/** The headers of every refusal: JSON, readable cross-origin like every answer, with a request id. */
function refusalHeaders(): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Access-Control-Allow-Origin': '*',
    'X-Request-Id': crypto.randomUUID(),
  };
}

function refusalBody(r: Refusal): string {
  return JSON.stringify({ error: { code: r.code, message: r.message } });
}

const REASONS: Record<Refusal['status'], string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

/** A refusal as the bytes of a whole HTTP/1.1 response that closes the connection. */
export function refusalBytes(r: Refusal): string {
  const body = refusalBody(r);
  const headers = {
    ...refusalHeaders(),
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${r.status} ${REASONS[r.status]}\r\n${lines.join('')}\r\n${body}`;
}

/**
 * Answers Node's parser errors in the error body. As Node's own handler (lib/_http_server.js,
 * socketOnError): nothing is written once a response on this socket has started (a body that
 * turns bad mid-request), and the socket is closed either way. Logged without the raw bytes,
 * which may carry a token.
 */
export function answerClientErrors(server: Server, log: Logger): void {
  server.on(
    'clientError',
    (err: ClientError, socket: Socket & { _httpMessage?: { headersSent?: boolean } }) => {
      // A client that hung up: nobody to answer, and not a refusal worth a log line.
      if (err.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const refusal = refusalOfClientError(err);
      log.info({ status: refusal.status, code: refusal.code, parser: err.code }, 'request refused');
      if (socket.writable && !socket._httpMessage?.headersSent) {
        socket.write(refusalBytes(refusal));
      }
      // Closed once the answer is flushed (Node's own handler destroys at once, after its write).
      socket.destroySoon();
    },
  );
}

/**
 * @hono/node-server's errorHandler: a request whose Host header or target cannot form a URL
 * (RequestError: a backslash in the path, a bad host) is a 400 in the error body; anything else
 * that escaped the app (its own onError answers its errors) a 500, logged.
 */
export function refusedRequestHandler(log: Logger): (err: unknown) => Response {
  return (err) => {
    const requestError = err instanceof RequestError;
    const refusal = requestError
      ? { code: 'bad_request', message: `the request's URL cannot be read (${err.message})` }
      : { code: 'internal', message: 'internal error' };
    if (requestError) log.info({ status: 400, code: refusal.code }, 'request refused');
    else
      log.error(
        { err: { message: (err as Error)?.message, stack: (err as Error)?.stack } },
        'unhandled error',
      );
    return new Response(JSON.stringify({ error: refusal }), {
      status: requestError ? 400 : 500,
      headers: refusalHeaders(),
    });
  };
}
