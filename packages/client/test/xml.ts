// A strict little XML reader for tests (elements, attributes, text; no DTDs, no CDATA): enough to check a
// referral's XML element by element without trusting the code that wrote it.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: XmlElement[];
}

const unescape = (s: string): string => s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const src = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const fail = (why: string): never => {
    throw new Error(`bad XML at ${i}: ${why}`);
  };
  const skipWs = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    const m = /^<([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/.exec(src.slice(i));
    if (!m) fail('bad start tag');
    i += m![0].length;
    const attrs: Record<string, string> = {};
    for (const a of m![2]!.matchAll(/([\w:.-]+)="([^"]*)"/g)) attrs[a[1]!] = unescape(a[2]!);
    const node: XmlElement = { name: m![1]!, attrs, text: '', children: [] };
    if (m![3] === '/') return node;
    for (;;) {
      const close = `</${node.name}>`;
      if (src.startsWith(close, i)) {
        i += close.length;
        return node;
      }
      if (src.startsWith('</', i)) fail(`mismatched end tag for ${node.name}`);
      if (src[i] === '<') {
        node.children.push(element());
        continue;
      }
      const next = src.indexOf('<', i);
      if (next < 0) fail('unterminated text');
      node.text += unescape(src.slice(i, next));
      i = next;
    }
  };
  skipWs();
  const root = element();
  skipWs();
  if (i !== src.length) fail('content after the root element');
  if (root.children.length) root.text = root.text.trim();
  const trim = (e: XmlElement) => {
    if (e.children.length) {
      if (e.text.trim() !== '') fail(`mixed content in ${e.name}`);
      e.text = '';
      e.children.forEach(trim);
    }
  };
  trim(root);
  return root;
}

export const child = (e: XmlElement, name: string): XmlElement => {
  const c = e.children.find((x) => x.name === name);
  if (!c) throw new Error(`<${e.name}> has no <${name}>`);
  return c;
};
export const names = (e: XmlElement): string[] => e.children.map((c) => c.name);
