/**
 * The bearer token of `serve --http`: from CODEDISTILL_HTTP_TOKEN, else from CODEDISTILL_HTTP_TOKEN_FILE, else
 * from <home>/http.token, made on first serve (owner-only) so a local client can read it where the server says.
 * The token itself is never logged; only where it is.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpConfig } from '../config.js';
import { CodedistillError } from '../kernel/errors.js';

export interface TokenSource {
  token: string;
  /** For the log: "CODEDISTILL_HTTP_TOKEN" or the file's path. */
  from: string;
  /** A file that others than its owner may read (a warning, not a refusal: the user chose it). */
  openToOthers: boolean;
  generated: boolean;
}

/** Shortest token accepted: a guessable one would make the check pointless. */
const MIN_TOKEN_CHARS = 16;

function checked(token: string, from: string): string {
  if (token.length < MIN_TOKEN_CHARS || /\s/.test(token)) {
    throw new CodedistillError(
      'invalid_input',
      `The HTTP bearer token from ${from} is shorter than ${MIN_TOKEN_CHARS} characters or holds white space.`,
      'Use a long random token, e.g. `openssl rand -base64 32`, or leave CODEDISTILL_HTTP_TOKEN and CODEDISTILL_HTTP_TOKEN_FILE unset so the server makes one.',
    );
  }
  return token;
}

function readTokenFile(file: string): Omit<TokenSource, 'generated'> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CodedistillError('invalid_input', `Cannot read the HTTP token file ${file}: ${(e as Error).message}.`, 'Point CODEDISTILL_HTTP_TOKEN_FILE at a readable file holding the token on one line.');
  }
  const mode = statSync(file).mode;
  return { token: checked(text.trim(), file), from: file, openToOthers: (mode & 0o077) !== 0 };
}

export function loadToken(http: HttpConfig, home: string): TokenSource {
  if (http.token) return { token: checked(http.token, 'CODEDISTILL_HTTP_TOKEN'), from: 'CODEDISTILL_HTTP_TOKEN', openToOthers: false, generated: false };
  if (http.tokenFile) return { ...readTokenFile(http.tokenFile), generated: false };
  const file = path.join(home, 'http.token');
  if (existsSync(file)) return { ...readTokenFile(file), generated: false };
  mkdirSync(home, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  // 'wx': two servers starting together must not overwrite each other's token; the loser reads the winner's.
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { ...readTokenFile(file), generated: false };
    throw e;
  }
  return { token, from: file, openToOthers: false, generated: true };
}
