import { describe, expect, it } from 'vitest';
import { DynamoError } from '@shoal/model';
import { checkAuthentication } from '../src/authentication.js';

const SIGNED = 'AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd';
const NO_QUERY = new URLSearchParams();

function failure(headers: Record<string, string>, query = NO_QUERY): { type: string; message: string } | undefined {
  try {
    checkAuthentication(new Map(Object.entries(headers)), query);
    return undefined;
  } catch (error) {
    if (!(error instanceof DynamoError)) throw error;
    return { type: error.qualifiedType, message: error.message };
  }
}

describe('checkAuthentication', () => {
  it('accepts what the SDKs send, in the header or presigned in the query', () => {
    expect(failure({ authorization: SIGNED, 'x-amz-date': '20261130T000000Z' })).toBeUndefined();
    expect(failure({ authorization: SIGNED.replaceAll(', ', ','), date: 'Mon, 30 Nov 2026 00:00:00 GMT' })).toBeUndefined();
    const presigned = new URLSearchParams({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': 'a', 'X-Amz-Signature': 'b', 'X-Amz-SignedHeaders': 'host', 'X-Amz-Date': 'd' });
    expect(failure({}, presigned)).toBeUndefined();
  });

  it('refuses a request without credentials, or with both kinds', () => {
    expect(failure({})).toEqual({ type: 'com.amazon.coral.service#MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
    expect(failure({ authorization: 'Basic abc' })).toEqual({ type: 'com.amazon.coral.service#MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
    expect(failure({ authorization: SIGNED, 'x-amz-date': 'd' }, new URLSearchParams({ 'X-Amz-Algorithm': 'x' }))).toEqual({
      type: 'com.amazon.coral.service#InvalidSignatureException',
      message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    });
  });

  it('names each missing part of an incomplete signature', () => {
    const header = 'AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/dynamodb/aws4_request';
    expect(failure({ authorization: header })).toEqual({
      type: 'com.amazon.coral.service#IncompleteSignatureException',
      message:
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        `Authorization=${header}`,
    });
    // A parameter without a value still counts as present, as DynamoDB's parse has it.
    expect(failure({ authorization: 'AWS4-HMAC-SHA256 Credential, SignedHeaders=a,Signature', 'x-amz-date': 'd' })).toBeUndefined();
    expect(failure({ authorization: 'AWS4-HMAC-SHA256 XCredential=a, SignedHeaders=a, Signature=b', 'x-amz-date': 'd' })).toEqual({
      type: 'com.amazon.coral.service#IncompleteSignatureException',
      message: "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 XCredential=a, SignedHeaders=a, Signature=b",
    });
    expect(failure({}, new URLSearchParams({ 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': 'a' }))).toEqual({
      type: 'com.amazon.coral.service#IncompleteSignatureException',
      message:
        "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
        "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    });
  });
});
