/**
 * How a route that starts an index job answers: 202 with the job's status URL at once, or with `?wait=true` the
 * finished job (a failed one is a 500 `build_failed`, IndexService.waitForSuccess).
 */
import type { FastifyReply } from 'fastify';
import type { BuildJobView } from '../index/build-jobs.js';
import type { IndexService } from './index-service.js';
import { accepted, jobWire } from './wire.js';

/** The response to a request that started `job`. */
export async function replyWithJob(reply: FastifyReply, index: IndexService, job: BuildJobView, wait: boolean | undefined) {
  if (wait) return jobWire(await index.waitForSuccess(job));
  return reply.code(202).send(accepted(job));
}
