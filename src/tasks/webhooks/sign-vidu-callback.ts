import { createHmac, randomUUID } from 'node:crypto';

/** What a Vidu-signed callback is signed over. */
export interface ViduCallbackToSign {
  /** The API key that created the task: Vidu's HMAC key. */
  apiKey: string;
  /** The callback URL: its path and query are signed. */
  url: string;
  /** The attempt's time, sent as the `Date` header (GMT). */
  date: Date;
  /** `x-request-nonce`; a random UUID per attempt unless given (tests). */
  nonce?: string;
}

/** The headers signed, in order, as `X-HMAC-SIGNED-HEADERS` lists them. */
const SIGNED_HEADERS = ['Date', 'x-request-nonce'] as const;

/**
 * The headers of a callback signed Vidu's way (https://platform.vidu.com/docs/callback-signature):
 * `X-HMAC-SIGNATURE` = base64 HMAC-SHA256, keyed with the API key, of
 * `POST\n<path>\n<query>\nvidu\n<Date>\n` followed by each signed header as `Key:Value\n`. The body is not
 * signed (Vidu does not sign it); the nonce and the Date let a receiver refuse replays.
 */
export function viduCallbackHeaders(message: ViduCallbackToSign): Record<string, string> {
  const url = new URL(message.url);
  const date = message.date.toUTCString();
  const values: Record<(typeof SIGNED_HEADERS)[number], string> = {
    Date: date,
    'x-request-nonce': message.nonce ?? randomUUID(),
  };
  const path = url.pathname === '' ? '/' : url.pathname;
  const query = url.search.replace(/^\?/, '');
  const signing =
    `POST\n${path}\n${query}\nvidu\n${date}\n` +
    SIGNED_HEADERS.map((name) => `${name}:${values[name]}\n`).join('');
  const signature = createHmac('sha256', message.apiKey).update(signing).digest('base64');
  return {
    Date: date,
    'x-request-nonce': values['x-request-nonce'],
    'X-HMAC-SIGNED-HEADERS': SIGNED_HEADERS.join(';'),
    'X-HMAC-ALGORITHM': 'hmac-sha256',
    'X-HMAC-ACCESS-KEY': 'vidu',
    'X-HMAC-SIGNATURE': signature,
  };
}
