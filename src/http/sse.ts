/**
 * Server-sent events for `stream: true`: the response is started lazily, at the first event, so that errors
 * raised before any token (validation, a full queue) still get a proper HTTP status and JSON body.
 */
import type { FastifyReply } from 'fastify';

/** Writes `event:`/`data:` frames to a hijacked reply. */
export class SseWriter {
  private started = false;

  constructor(private readonly reply: FastifyReply) {}

  /** True once the status line and headers were sent; errors must then be sent as events. */
  get isStarted(): boolean {
    return this.started;
  }

  /** Sends one event whose data is `data` serialized as JSON on one line. */
  send(event: string, data: unknown): void {
    this.start();
    if (this.reply.raw.destroyed) return;
    this.reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream. */
  end(): void {
    this.start();
    this.reply.raw.end();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    // Fastify stops managing the response from here; our onRequest hook still records its metrics.
    this.reply.hijack();
    this.reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': String(this.reply.request.id),
    });
  }
}
