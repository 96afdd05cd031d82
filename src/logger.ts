import { type DestinationStream, type Level, type Logger, pino } from 'pino';

export interface LoggerOptions {
  level: Level | 'silent';
  /** Values never to write, wherever they appear (the Segmind key). */
  secrets?: readonly string[];
}

/** Logged fields that hold credentials: header values, token secrets, keys. */
const redactedPaths = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '["x-api-key"]',
  '*["x-api-key"]',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'connectionParams.authorization',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
];

/**
 * A data: URI's payload (after its comma), in a JSON log line: base64 characters, and the whitespace and
 * JSON escapes (\r, \n, \t) that wrapped base64 carries; the header may hold spaces too.
 */
const dataUriPayload = /\b(data:[^,"]{0,200}),(?:[A-Za-z0-9+/=%_.-]|\\[rnt]|\s)+/gi;
/** An API token (`wan_` and base62), or what follows `Bearer`. */
const tokenText = /\bwan_[0-9A-Za-z]{8,}/g;
const bearerText = /\b(Bearer\s+)[^\s"\\]+/gi;

/**
 * The process's logger. Credentials are kept out twice: `redact` blanks the fields known to hold them, and
 * every line is scrubbed before it is written, since a token, the key or an image's bytes can also arrive
 * inside text: an error message, a stack, a GraphQL error that quotes a variable's value.
 */
export function createLogger({ level, secrets = [] }: LoggerOptions, destination?: DestinationStream): Logger {
  const literals = secrets
    .filter((secret) => secret !== '')
    .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
  const scrub = (line: string) => {
    let text = line
      .replace(dataUriPayload, '$1,[redacted]')
      .replace(tokenText, 'wan_[redacted]')
      .replace(bearerText, '$1[redacted]');
    for (const literal of literals) text = text.replaceAll(literal, '[redacted]');
    return text;
  };
  const options = { level, redact: { paths: redactedPaths, censor: '[redacted]' }, hooks: { streamWrite: scrub } };
  return destination ? pino(options, destination) : pino(options);
}
