// A referral shaped after NCMEC's CyberTipline reporting schema (issue 9, point 6). Pure: facts in, an
// element tree out, written as XML (children in the order the schema's sequences require) and as JSON
// (the same tree). Nothing here sends anything.

/** One XML element: attributes, then either text or child elements, in order. */
export interface XmlNode {
  name: string;
  attrs?: Record<string, string>;
  text?: string;
  children?: XmlNode[];
}

const el = (name: string, content?: string | XmlNode[] | undefined, attrs?: Record<string, string>): XmlNode =>
  typeof content === 'string' ? { name, text: content, ...(attrs ? { attrs } : {}) } : { name, children: content ?? [], ...(attrs ? { attrs } : {}) };
/** Leaves out elements with no value, so optional ones never appear empty. */
const opt = (name: string, v: string | null | undefined): XmlNode[] => (v === null || v === undefined || v === '' ? [] : [el(name, v)]);

/** The top-level sequence of `<report>`, in schema order (the acceptance check reads it). */
export const REPORT_ELEMENT_ORDER = ['incidentSummary', 'internetDetails', 'lawEnforcement', 'reporter', 'personOrUserReported', 'intendedRecipient', 'victim', 'additionalInfo'] as const;

export interface ReferralPerson {
  accountId: string;
  handle: string;
  displayName: string | null;
  ageBand: 'child' | 'adult';
  /** The account's region as stored (a UK police force area where the user gave one). */
  region: string | null;
  /** IP capture events, where the operator has enabled them. */
  ipEvents?: { ip: string; event: 'Login' | 'Upload' | 'Other'; at: string }[];
}

export interface ReferralFile {
  fileId: string;
  fileName: string;
  md5: string;
  sha256: string;
  pdq: string | null;
  /** A moderator saw the original. */
  viewedByEsp: boolean;
}

export interface ReferralFacts {
  referralId: string;
  caseId: string;
  incidentType: string;
  /** When the reported content was sent (the earliest item). */
  incidentDateTime: string;
  esp: { name: string; contactEmail: string; legalUrl: string };
  conversation: { id: string; kind: string; mode: string } | null;
  /** Reported message texts, as the server stored or the reporter revealed them. */
  content: string[];
  reported: ReferralPerson;
  /** Children involved (reporters or recipients), and adult recipients. */
  victims: ReferralPerson[];
  intendedRecipients: ReferralPerson[];
  additionalInfo: string;
  files: ReferralFile[];
}

/** NCMEC incident type for a case: known-image matches and child sexual abuse reports are CSAM. */
export function incidentTypeFor(reasons: readonly string[], hashMatch: boolean): string {
  if (hashMatch || reasons.includes('child_sexual_abuse')) return 'Child Pornography (possession, manufacture, and distribution)';
  return 'Online Enticement of Children for Sexual Acts';
}

function location(p: ReferralPerson): XmlNode[] {
  if (!p.region) return [];
  // The police force area (or other region) the account gave; the country is where Haven's regions are.
  return [el('estimatedLocation', [el('region', p.region), el('countryCode', 'GB'), el('verified', 'false')])];
}

function ipEvents(p: ReferralPerson): XmlNode[] {
  return (p.ipEvents ?? []).map((e) => el('ipCaptureEvent', [el('ipAddress', e.ip), el('eventName', e.event), el('dateTime', e.at)]));
}

function personBlock(name: 'intendedRecipient' | 'victim', personElement: string, p: ReferralPerson, esp: string): XmlNode {
  return el(name, [
    el(personElement, []),
    el('espIdentifier', p.accountId),
    el('espService', esp),
    el('screenName', p.handle),
    ...opt('displayName', p.displayName),
    ...ipEvents(p),
    ...location(p),
    el('additionalInfo', `Age band on ${esp}: ${p.ageBand}.`),
  ]);
}

/** The `<report>` element. */
export function cyberTipReport(f: ReferralFacts): XmlNode {
  const chat = el('chatImIncident', [
    el('chatClient', f.esp.name),
    ...opt('chatRoomName', f.conversation ? `${f.conversation.kind} conversation ${f.conversation.id}` : null),
    ...opt('content', f.content.join('\n---\n')),
    ...opt('additionalInfo', f.conversation ? `Conversation mode: ${f.conversation.mode}.` : null),
  ]);
  return el('report', [
    el('incidentSummary', [el('incidentType', f.incidentType), el('incidentDateTime', f.incidentDateTime)]),
    el('internetDetails', [chat]),
    el('reporter', [el('reportingPerson', [el('email', f.esp.contactEmail)]), el('companyTemplate', f.esp.name), el('legalURL', f.esp.legalUrl)]),
    el('personOrUserReported', [
      el('espIdentifier', f.reported.accountId),
      el('espService', f.esp.name),
      el('screenName', f.reported.handle),
      ...opt('displayName', f.reported.displayName),
      ...ipEvents(f.reported),
      ...location(f.reported),
      el('additionalInfo', `Age band on ${f.esp.name}: ${f.reported.ageBand}.`),
    ]),
    ...f.intendedRecipients.map((p) => personBlock('intendedRecipient', 'intendedRecipientPerson', p, f.esp.name)),
    ...f.victims.map((p) => personBlock('victim', 'victimPerson', p, f.esp.name)),
    el('additionalInfo', f.additionalInfo),
  ], { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:noNamespaceSchemaLocation': 'https://report.cybertip.org/ispws/xsd' });
}

/** One file's `<fileDetails>`, in schema order; `reportId` is the hotline's once submitted. */
export function fileDetails(file: ReferralFile, reportId: string, fileId = file.fileId): XmlNode {
  return el('fileDetails', [
    el('reportId', reportId),
    el('fileId', fileId),
    el('originalFileName', file.fileName),
    el('fileViewedByEsp', String(file.viewedByEsp)),
    el('publiclyAvailable', 'false'),
    el('originalFileHash', file.md5, { hashType: 'MD5' }),
    el('originalFileHash', file.sha256, { hashType: 'SHA256' }),
    ...(file.pdq ? [el('originalFileHash', file.pdq, { hashType: 'PDQ' })] : []),
  ]);
}

const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** XML text of a tree, with a declaration, indented. */
export function toXml(node: XmlNode): string {
  const write = (n: XmlNode, depth: number): string => {
    const pad = '  '.repeat(depth);
    const attrs = Object.entries(n.attrs ?? {})
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    if (n.text !== undefined) return `${pad}<${n.name}${attrs}>${escapeXml(n.text)}</${n.name}>\n`;
    if (!n.children?.length) return `${pad}<${n.name}${attrs}/>\n`;
    return `${pad}<${n.name}${attrs}>\n${n.children.map((c) => write(c, depth + 1)).join('')}${pad}</${n.name}>\n`;
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${write(node, 0)}`;
}

/**
 * The same tree as JSON: an element is `{ name: value }` in order; repeated children become arrays
 * under their name; attributes are `@name`; text with attributes is `#text`.
 */
export function toJsonValue(node: XmlNode): unknown {
  const attrs = Object.fromEntries(Object.entries(node.attrs ?? {}).map(([k, v]) => [`@${k}`, v]));
  if (node.text !== undefined) return Object.keys(attrs).length ? { ...attrs, '#text': node.text } : node.text;
  const out: Record<string, unknown> = { ...attrs };
  const children = node.children ?? [];
  const counts = new Map<string, number>();
  for (const c of children) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  for (const c of children) {
    const v = toJsonValue(c);
    if ((counts.get(c.name) ?? 0) > 1) ((out[c.name] ??= []) as unknown[]).push(v);
    else out[c.name] = v;
  }
  return out;
}
