import type { AttributeValue, Item } from '@shoal/model';
import type { Path, ProjectionPath } from './ast.js';
import { ExpressionError } from './errors.js';
import type { TokenStream } from './lexer.js';
import { ErrorCollector, parsePath, RESERVED, UNDEFINED_NAME, type ResolveContext } from './resolve-context.js';
import { PathSet } from './update-parser.js';
import { valueAtPath } from './values.js';

/** ProjectionExpression := path (',' path)*, with no two paths overlapping. */
export function parseProjection(stream: TokenStream, context: ResolveContext): ProjectionPath[] {
  const errors = new ErrorCollector();
  const paths = new PathSet(errors);
  const projection: ProjectionPath[] = [];
  do {
    const path = parsePath(stream, context, errors);
    paths.add(path);
    projection.push(path);
  } while (stream.isSymbol(',') && stream.next());
  if (!stream.atEnd()) throw stream.syntaxError();
  const message = errors.first([RESERVED, UNDEFINED_NAME, 'pathOverlap', 'pathConflict']);
  if (message !== undefined) throw new ExpressionError(message);
  return projection;
}

/**
 * The parts of an item that the paths name, nested as in the item. List elements picked by
 * index keep their relative order and are packed together, as DynamoDB returns them.
 */
export function projectItem(item: Item, projection: readonly Path[]): Item {
  const root: Node = { kind: 'map', children: new Map() };
  for (const path of projection) {
    const value = valueAtPath(item, path);
    if (value !== undefined) insert(root, path, 0, value);
  }
  const result: Item = {};
  for (const [name, node] of root.children) result[name as string] = materialise(node);
  return result;
}

type Node =
  | { kind: 'map'; children: Map<string | number, Node> }
  | { kind: 'list'; children: Map<string | number, Node> }
  | { kind: 'leaf'; value: AttributeValue };

function insert(node: Node, path: Path, depth: number, value: AttributeValue): void {
  if (node.kind === 'leaf') return;
  const step = path[depth] as string | number;
  if (depth === path.length - 1) {
    node.children.set(step, { kind: 'leaf', value });
    return;
  }
  const existing = node.children.get(step);
  const child: Node = existing ?? { kind: typeof path[depth + 1] === 'number' ? 'list' : 'map', children: new Map() };
  if (!existing) node.children.set(step, child);
  insert(child, path, depth + 1, value);
}

function materialise(node: Node): AttributeValue {
  if (node.kind === 'leaf') return node.value;
  if (node.kind === 'map') {
    const members: Record<string, AttributeValue> = {};
    for (const [name, child] of node.children) members[name as string] = materialise(child);
    return { M: members };
  }
  const indexes = [...node.children.keys()].sort((a, b) => (a as number) - (b as number));
  return { L: indexes.map((index) => materialise(node.children.get(index) as Node)) };
}
