import { describe, expect, it } from 'vitest';
import { fromSigstoreSigningError, SigningError } from './errors.ts';

class InternalError extends Error {
  constructor(
    readonly code: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

describe("sigstore-js's signing failures in this package's terms", () => {
  it('a failing log, CA or TSA is a transport error with the cause in its message', () => {
    const mapped = fromSigstoreSigningError(new InternalError('TLOG_CREATE_ENTRY_ERROR', 'error creating tlog entry', new Error('connect ECONNREFUSED 127.0.0.1:9')));
    expect(mapped).toMatchObject({ code: 'SIGSTORE_SERVICE', kind: 'transport', message: 'error creating tlog entry: connect ECONNREFUSED 127.0.0.1:9' });
    expect(fromSigstoreSigningError(new InternalError('CA_CREATE_SIGNING_CERTIFICATE_ERROR', 'error creating signing certificate - 400'))).toMatchObject({ code: 'SIGSTORE_SERVICE' });
    expect(fromSigstoreSigningError(new InternalError('TSA_CREATE_TIMESTAMP_ERROR', 'x'))).toMatchObject({ code: 'SIGSTORE_SERVICE' });
  });

  it('an identity token that cannot be read is the caller’s to fix', () => {
    expect(fromSigstoreSigningError(new InternalError('IDENTITY_TOKEN_PARSE_ERROR', 'bad token'))).toMatchObject({ code: 'IDENTITY_TOKEN', kind: 'input' });
  });

  it('anything else passes through unchanged', () => {
    const plain = new TypeError('boom');
    expect(fromSigstoreSigningError(plain)).toBe(plain);
    const ours = new SigningError('INVALID_KEY', 'x');
    expect(fromSigstoreSigningError(ours)).toBe(ours);
    const unknown = new InternalError('SOMETHING_NEW', 'y');
    expect(fromSigstoreSigningError(unknown)).toBe(unknown);
    expect(fromSigstoreSigningError(undefined)).toBeUndefined();
  });

  it('keeps an identity token a service quoted back out of the message', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjaUBleGFtcGxlLm9yZyJ9.c2lnbmF0dXJl';
    const mapped = fromSigstoreSigningError(new InternalError('CA_CREATE_SIGNING_CERTIFICATE_ERROR', `error creating signing certificate - 401 bad token Bearer ${token}`)) as Error;
    expect(mapped).toMatchObject({ code: 'SIGSTORE_SERVICE' });
    expect(mapped.message).not.toContain(token);
    expect(mapped.message).not.toContain(token.split('.')[1]);
  });
});
