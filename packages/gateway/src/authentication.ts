import { CORAL_SERVICE_NAMESPACE, DynamoError } from '@shoal/model';

/**
 * The presence checks DynamoDB makes on SigV4 credentials before it looks at the request. The
 * signature itself is accepted with any key and region until the security issue adds
 * verification; what is checked here is what every SDK already sends.
 */
export function checkAuthentication(headers: ReadonlyMap<string, string>, query: URLSearchParams): void {
  const header = headers.get('authorization');
  const inQuery = query.has('X-Amz-Algorithm');
  if (header && inQuery) {
    throw coral('InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if ((!header && !inQuery) || (header && header.trim().slice(0, 5) !== 'AWS4-')) {
    throw coral('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  let message = '';
  if (header) {
    // What every SDK sends passes these three searches; the full parse below only runs otherwise.
    if (SIGNED_PARAMETERS.every((pattern) => pattern.test(header)) && (headers.has('x-amz-date') || headers.has('date'))) return;
    const parameters = new Set(
      header
        .split(/[, ]/)
        .slice(1)
        .filter(Boolean)
        .map((part) => part.trim().split('=')[0]),
    );
    for (const required of ['Credential', 'Signature', 'SignedHeaders']) {
      if (!parameters.has(required)) message += `Authorization header requires '${required}' parameter. `;
    }
    if (!headers.has('x-amz-date') && !headers.has('date')) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (message) message += `Authorization=${header}`;
  } else {
    for (const required of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date']) {
      if (!query.get(required)) message += `AWS query-string parameters must include '${required}'. `;
    }
    if (message) message += 'Re-examine the query-string parameters.';
  }
  if (message) throw coral('IncompleteSignatureException', message);
}

/** A parameter present by the parse below: a later token of the header starting `Name=`. */
const SIGNED_PARAMETERS = [/[, ]Credential=/, /[, ]Signature=/, /[, ]SignedHeaders=/];

function coral(type: string, message: string): DynamoError {
  return new DynamoError(type, message, 400, CORAL_SERVICE_NAMESPACE);
}
