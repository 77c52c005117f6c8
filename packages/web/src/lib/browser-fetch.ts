// Chromium streams request bodies only over HTTP/2; `haven serve` speaks HTTP/1.1, so a streamed upload
// (the SDK encrypts attachments as a stream) is collected into a Blob first. Attachments are bounded by
// the server's media limit, and they are already whole in memory for the device-side hash check.

/** `fetch` for the browser's HavenClient: streamed bodies are buffered, everything else is untouched. */
export const browserFetch: typeof fetch = async (input, init) => {
  if (init?.body instanceof ReadableStream) {
    const body = await new Response(init.body).blob();
    const { duplex: _duplex, ...rest } = init as RequestInit & { duplex?: string };
    return fetch(input, { ...rest, body });
  }
  return fetch(input, init);
};
