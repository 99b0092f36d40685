// How the fake CPO answers: the OCPI envelope (digest §2), or a bare body for peers configured to
// imitate CPOs that skip it.
import { formatOcpiDateTime } from '../ocpi/client/datetime.js';

export interface OcpiReply {
  /** HTTP status; OCPI errors on a valid, authenticated request stay 200 (digest §2 errata). */
  status: number;
  code: number;
  message: string;
  /** Absent on errors and where the spec is silent (DELETE). */
  data?: unknown;
}

export const success = (data?: unknown): OcpiReply => ({ status: 200, code: 1000, message: 'Success', data });

export const failure = (status: number, code: number, message: string): OcpiReply => ({
  status,
  code,
  message,
});

function envelopeText(reply: OcpiReply, now: Date): string {
  return JSON.stringify({
    ...(reply.data === undefined ? {} : { data: reply.data }),
    status_code: reply.code,
    status_message: reply.message,
    timestamp: formatOcpiDateTime(now),
  });
}

/** The body text: enveloped, or just the data when the fake imitates an envelope-less CPO. */
export function bodyText(reply: OcpiReply, now: Date, enveloped: boolean): string {
  if (!enveloped && reply.code === 1000) return JSON.stringify(reply.data ?? null);
  return envelopeText(reply, now);
}
