import type { AnyReportRequest, ReportAccepted } from '@haven/protocol';
import type { Caller, Services } from '../services/context';
import { fileAnyReport } from '../moderation/reports';

/**
 * `POST /v1/reports`: a franked report of an e2ee message (verified against the proof and tied to that
 * message), or a report the server checks itself. See src/moderation/reports.ts.
 */
export function fileReport(s: Services, caller: Caller, req: AnyReportRequest): Promise<ReportAccepted> {
  return fileAnyReport(s, caller, req);
}
