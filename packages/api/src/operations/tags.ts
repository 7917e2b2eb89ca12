import { DynamoError, invalidParameter, TAGS_PER_RESOURCE_MAX } from '@shoal/model';
import type { Tag, TableDefinition } from '@shoal/metadata';
import type { ApiContext, OperationHandler } from '../context.js';

const TABLE_ARN = /^arn:aws:dynamodb:[^:]+:\d+:table\/([^/]{3,255})$/;

function tableOfArn(context: ApiContext, arn: string): TableDefinition {
  const match = TABLE_ARN.exec(arn);
  if (!match) throw DynamoError.validation(`Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  const table = context.catalog.get(match[1]!);
  if (!table || table.TableArn !== arn) {
    throw DynamoError.resourceNotFound(`Requested resource not found: ResourcArn: ${arn} not found`);
  }
  return table;
}

export const tagResource: OperationHandler = async (request, context) => {
  const tags = request.Tags as Tag[];
  for (const tag of tags) {
    if (tag.Key.startsWith('aws:')) throw invalidParameter('User-defined tag keys cannot start with the reserved prefix aws:');
  }
  await context.catalog.exclusive((catalog) => {
    const table = tableOfArn(context, request.ResourceArn);
    const merged = new Map(table.Tags.map((tag) => [tag.Key, tag.Value]));
    for (const tag of tags) merged.set(tag.Key, tag.Value);
    if (merged.size > TAGS_PER_RESOURCE_MAX) {
      throw DynamoError.limitExceeded(`The number of tags exceeds the limit of ${TAGS_PER_RESOURCE_MAX} tags per resource`);
    }
    catalog.put({ ...table, Tags: [...merged].map(([Key, Value]) => ({ Key, Value })) });
  });
  return {};
};

export const untagResource: OperationHandler = async (request, context) => {
  const keys = new Set(request.TagKeys as string[]);
  await context.catalog.exclusive((catalog) => {
    const table = tableOfArn(context, request.ResourceArn);
    catalog.put({ ...table, Tags: table.Tags.filter((tag) => !keys.has(tag.Key)) });
  });
  return {};
};

export const listTagsOfResource: OperationHandler = async (request, context) => {
  const table = tableOfArn(context, request.ResourceArn);
  return { Tags: table.Tags };
};
