import { z } from 'zod';

// A child's own image, reported by its hashes only (issue 11, "Take It Down" / Report Remove inside
// Haven): the device computes PDQ (all eight rotations and flips), SHA-256 and MD5 and sends these,
// never the image. Wrong-length or non-hex hashes are refused.

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `${n} lower-case hex characters`);

export const SelfReportRequest = z
  .object({
    /** The PDQ of each of the eight dihedral variants (original first); 64 hex each. */
    pdq: z.array(hex(64)).min(1).max(8),
    /** PDQ quality (0–100) of the original; below 50 the PDQ entries are kept but not matched. */
    quality: z.number().int().min(0).max(100),
    sha256: hex(64),
    md5: hex(32),
  })
  .strict();
export type SelfReportRequest = z.infer<typeof SelfReportRequest>;

const HelpLink = z.object({ name: z.string(), contact: z.string(), description: z.string() });

export const SelfReport = z.object({
  id: z.string(),
  createdAt: z.string(),
  /** How many hashes joined the platform block list. */
  hashes: z.number().int(),
});

export const SelfReportAccepted = SelfReport.extend({
  /** What Haven did, in plain words. */
  done: z.array(z.string()),
  /** What Haven could not do. */
  notDone: z.array(z.string()),
  /** Where to go next: Childline's Report Remove, and Childline. */
  next: z.array(HelpLink),
});
export type SelfReportAccepted = z.infer<typeof SelfReportAccepted>;

export const SelfReportList = z.object({ reports: z.array(SelfReport) });
const SelfReportParams = z.object({ id: z.string().uuid() }).strict();

export const SELF_REPORT_ROUTES = {
  selfReport: { method: 'POST', path: '/v1/self-reports', summary: 'Block an image of yourself everywhere on Haven by its hashes (the image never leaves your device).', auth: 'session', body: SelfReportRequest, status: 201, response: SelfReportAccepted },
  selfReports: { method: 'GET', path: '/v1/self-reports', summary: 'Your self-reported images (hash counts only).', auth: 'session', status: 200, response: SelfReportList },
  removeSelfReport: { method: 'DELETE', path: '/v1/self-reports/:id', summary: 'Take one of your self-reported images off the platform block list.', auth: 'session', params: SelfReportParams, status: 204, response: null },
} as const;
