import generated from './generated/dynamodb-shapes.json' with { type: 'json' };

/**
 * The input shapes of DynamoDB's operations, generated from botocore's service model by
 * scripts/generate-service-model.ts, plus the constraints DynamoDB enforces beyond what the
 * published model states.
 */
export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'double' | 'boolean' | 'blob' | 'timestamp';
  members?: Record<string, string>;
  required?: string[];
  member?: string;
  key?: string;
  value?: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

export const SERVICE_MODEL = generated as unknown as {
  targetPrefix: string;
  operations: Record<string, string>;
  shapes: Record<string, Shape>;
};

/**
 * Where DynamoDB is stricter than its model: `TableName` members accept a table ARN (1 to 1024
 * characters) or a plain name, and a plain name must be 3 to 255 characters of [a-zA-Z0-9_.-];
 * CreateTable needs its key schema and attribute definitions.
 */
export const TABLE_NAME_SHAPE: Shape = { type: 'string', min: 3, max: 255, pattern: '[a-zA-Z0-9_.-]+' };
export const EXTRA_REQUIRED: Record<string, string[]> = {
  CreateTable: ['AttributeDefinitions', 'KeySchema'],
};
