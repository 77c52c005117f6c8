// The small part of @xmpp/client (no types of its own) that the delivery bench's peer run uses.
declare module '@xmpp/client' {
  interface Element {
    attrs: Record<string, string | undefined>;
    is(name: string): boolean;
  }
  interface Client {
    start(): Promise<{ toString(): string }>;
    stop(): Promise<void>;
    send(element: Element): Promise<void>;
    iqCaller: { request(element: Element): Promise<Element> };
    on(event: 'stanza', handler: (stanza: Element) => void): void;
    on(event: 'error', handler: (err: Error) => void): void;
  }
  export function client(options: { service: string; domain: string }): Client;
  export function xml(name: string, attrs?: Record<string, string>, ...children: (Element | string)[]): Element;
}
