import { EXTRA_REQUIRED, SERVICE_MODEL, TABLE_NAME_SHAPE, type Shape } from './service-model.js';

/**
 * The second pass: constraints of the model (required members, lengths, ranges, patterns,
 * enums), collected as DynamoDB's framework reports them, "Value 'x' at 'path' failed to satisfy
 * constraint: ...", at most VIOLATIONS_MAX of them.
 */
export const VIOLATIONS_MAX = 10;

const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let compiled = patterns.get(source);
  if (!compiled) {
    compiled = new RegExp(`^(?:${source})$`, 'u');
    patterns.set(source, compiled);
  }
  return compiled;
}

export function collectViolations(operation: string, body: Record<string, unknown>): string[] {
  const violations: string[] = [];
  const inputShape = SERVICE_MODEL.operations[operation] as string;
  checkStructure(body, SERVICE_MODEL.shapes[inputShape] as Shape, '', violations, EXTRA_REQUIRED[operation]);
  return violations;
}

function checkStructure(value: Record<string, unknown>, shape: Shape, parent: string, violations: string[], extraRequired?: string[]): void {
  const required = extraRequired ? [...(shape.required ?? []), ...extraRequired] : shape.required;
  for (const [member, memberShapeName] of Object.entries(shape.members ?? {})) {
    if (violations.length >= VIOLATIONS_MAX) return;
    const path = `${parent}${member[0]!.toLowerCase()}${member.slice(1)}`;
    const memberValue = value[member];
    if (memberValue === undefined || memberValue === null) {
      if (required?.includes(member)) violations.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    let memberShape = SERVICE_MODEL.shapes[memberShapeName] as Shape;
    if (member === 'TableName' && typeof memberValue === 'string' && !memberValue.startsWith('arn:')) memberShape = TABLE_NAME_SHAPE;
    checkValue(memberValue, memberShape, path, violations);
  }
}

function checkValue(value: unknown, shape: Shape, path: string, violations: string[]): void {
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') return;
      if (shape.pattern !== undefined && !patternOf(shape.pattern).test(value)) {
        violate(value, path, `Member must satisfy regular expression pattern: ${shape.pattern}`, violations);
      }
      checkLength(value, [...value].length, shape, path, violations);
      if (shape.enum && !shape.enum.includes(value)) {
        violate(value, path, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`, violations);
      }
      return;
    case 'integer':
    case 'long':
    case 'double':
      if (typeof value !== 'number') return;
      if (shape.min !== undefined && value < shape.min) violate(value, path, `Member must have value greater than or equal to ${shape.min}`, violations);
      if (shape.max !== undefined && value > shape.max) violate(value, path, `Member must have value less than or equal to ${shape.max}`, violations);
      return;
    case 'blob':
      if (typeof value === 'string') checkLength(value, Buffer.from(value, 'base64').length, shape, path, violations);
      return;
    case 'list': {
      if (!Array.isArray(value)) return;
      checkLength(value, value.length, shape, path, violations);
      const element = SERVICE_MODEL.shapes[shape.member as string] as Shape;
      value.forEach((item, i) => {
        const elementPath = `${path}.${i + 1}.member`;
        if (item === null || item === undefined) {
          if (violations.length < VIOLATIONS_MAX) violations.push(`Value null at '${elementPath}' failed to satisfy constraint: Member must not be null`);
        } else {
          checkValue(item, element, elementPath, violations);
        }
      });
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || value === null) return;
      const entries = Object.entries(value);
      checkLength(value, entries.length, shape, path, violations);
      const valueShape = SERVICE_MODEL.shapes[shape.value as string] as Shape;
      if (valueShape.type === 'list' && (valueShape.min !== undefined || valueShape.max !== undefined)) {
        // Lengths of list values are reported once, on the map, as DynamoDB's framework does.
        const outOfBounds = entries.some(([, item]) => Array.isArray(item) && ((valueShape.max !== undefined && item.length > valueShape.max) || (valueShape.min !== undefined && item.length < valueShape.min)));
        if (outOfBounds) {
          const bounds = [
            ...(valueShape.max !== undefined ? [`Member must have length less than or equal to ${valueShape.max}`] : []),
            ...(valueShape.min !== undefined ? [`Member must have length greater than or equal to ${valueShape.min}`] : []),
          ];
          violate(value, path, `Map value must satisfy constraint: [${bounds.join(', ')}]`, violations);
          return;
        }
      }
      // Attribute values are checked by DynamoDB's own rules later, not by the framework.
      if (shape.value === 'AttributeValue') return;
      for (const [key, item] of entries) {
        const entryPath = `${path}.${key}.member`;
        if (item === null || item === undefined) {
          if (violations.length < VIOLATIONS_MAX) violations.push(`Value null at '${entryPath}' failed to satisfy constraint: Member must not be null`);
        } else {
          checkValue(item, valueShape, entryPath, violations);
        }
      }
      return;
    }
    case 'structure':
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        checkStructure(value as Record<string, unknown>, shape, `${path}.`, violations);
      }
      return;
    default:
      return;
  }
}

function checkLength(value: unknown, length: number, shape: Shape, path: string, violations: string[]): void {
  if (shape.min !== undefined && length < shape.min) violate(value, path, `Member must have length greater than or equal to ${shape.min}`, violations);
  if (shape.max !== undefined && length > shape.max) violate(value, path, `Member must have length less than or equal to ${shape.max}`, violations);
}

function violate(value: unknown, path: string, constraint: string, violations: string[]): void {
  if (violations.length >= VIOLATIONS_MAX) return;
  violations.push(`Value '${render(value)}' at '${path}' failed to satisfy constraint: ${constraint}`);
}

/** Values as DynamoDB's (Java) framework prints them in messages. */
function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
