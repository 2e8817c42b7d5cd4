import { connect, type Socket } from 'node:net';

/** A raw TCP connection to 127.0.0.1:`port`, for requests that `fetch` cannot send (half a body, slow headers). */
export async function openSocket(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Everything the server sends until it closes the connection or `untilText` shows up, and whether it closed. */
export function readAnswer(socket: Socket, untilText?: string): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const done = (closed: boolean) => {
      socket.removeAllListeners('data');
      resolve({ text, closed });
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (untilText !== undefined && text.includes(untilText)) done(false);
    });
    socket.once('close', () => done(true));
    socket.once('error', () => undefined);
  });
}

/** The JSON body of a raw HTTP/1.1 answer (no chunked encoding: Fastify sends a Content-Length for JSON). */
export function jsonBody(answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
}
