import { DynamoError } from '@shoal/model';
import { indexKeyRange, tableKeyRange, tokenSegmentRange } from '@shoal/partition';
import { compareBytes } from '@shoal/storage';
import type { OperationHandler } from '../context.js';
import { checkExpressionParameters } from '../expression-parameters.js';
import { prepareRequestExpressions } from '../item-requests.js';
import { keyNamesOf, pageOptionsOf, pageResponse, readPage } from '../read-pages.js';
import { indexStartKeyBytes, resolveIndexRead, tableFetcher } from '../index-reads.js';
import { startKeyBytes } from '../start-key.js';
import { activeTable } from '../tables.js';
import { checkDuplicateAttributes } from './query.js';

/** Scan in token order; a parallel scan's segments split the token space into equal ranges. */
export const scan: OperationHandler = async (request, context) => {
  checkExpressionParameters(request, ['ProjectionExpression', 'FilterExpression'], ['AttributesToGet', 'ScanFilter', 'ConditionalOperator']);
  checkDuplicateAttributes(request.AttributesToGet);
  const segment: number | undefined = request.Segment;
  const totalSegments: number | undefined = request.TotalSegments;
  if (segment != null && totalSegments == null) {
    throw DynamoError.validation('The TotalSegments parameter is required but was not present in the request when Segment parameter is present');
  }
  if (totalSegments != null) {
    if (segment == null) {
      throw DynamoError.validation('The Segment parameter is required but was not present in the request when parameter TotalSegments is present');
    }
    if (segment >= totalSegments) {
      throw DynamoError.validation(
        `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${totalSegments}`,
      );
    }
  }
  const prepared = prepareRequestExpressions(request);
  const { table, handle } = activeTable(context, request.TableName);
  const index = request.IndexName != null ? resolveIndexRead(table, request, prepared.projection) : undefined;
  const whole = index ? indexKeyRange(handle.tableNumber, index.handle.indexNumber) : tableKeyRange(handle.tableNumber);
  const range: { gte?: Uint8Array; gt?: Uint8Array; lt: Uint8Array } =
    totalSegments != null && segment != null ? tokenSegmentRange(whole, segment, totalSegments) : whole;
  if (request.ExclusiveStartKey) {
    const start = index ? indexStartKeyBytes(handle, index, request.ExclusiveStartKey) : startKeyBytes(handle, request.ExclusiveStartKey);
    if ((range.gte && compareBytes(start, range.gte) < 0) || compareBytes(start, range.lt) >= 0) {
      throw DynamoError.validation(
        `The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: ${totalSegments} Segment: ${segment}`,
      );
    }
    delete range.gte;
    range.gt = start;
  }
  const options = pageOptionsOf(request, prepared, index ? keyNamesOf(handle.shape, index.shape) : keyNamesOf(handle.shape));
  if (index?.fetchFromTable) options.resolve = tableFetcher(context, handle);
  const page = await readPage(context.store.scanItems(range, request.ConsistentRead === true), options);
  return pageResponse(request, table.TableName, page, options);
};
