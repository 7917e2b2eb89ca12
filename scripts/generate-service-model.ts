/**
 * Generates packages/protocol/src/generated/dynamodb-shapes.json from the official botocore
 * service model: every operation's input shapes, with types, required members, lengths, ranges,
 * patterns and enums; documentation dropped. Run after upgrading botocore:
 *
 *   node --import tsx scripts/generate-service-model.ts [path/to/service-2.json.gz]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

interface BotocoreShape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

function modelPath(): string {
  const given = process.argv[2];
  if (given) return given;
  const site = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' }).trim();
  return join(site, 'data', 'dynamodb', '2012-08-10', 'service-2.json.gz');
}

const model = JSON.parse(gunzipSync(readFileSync(modelPath())).toString('utf8')) as {
  metadata: { targetPrefix: string };
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, BotocoreShape>;
};

const shapes: Record<string, Record<string, unknown>> = {};
function collect(name: string): void {
  if (shapes[name]) return;
  const shape = model.shapes[name];
  if (!shape) throw new Error(`unknown shape ${name}`);
  const compact: Record<string, unknown> = { type: shape.type };
  for (const trait of ['required', 'min', 'max', 'pattern', 'enum'] as const) {
    if (shape[trait] !== undefined) compact[trait] = shape[trait];
  }
  shapes[name] = compact;
  if (shape.members) {
    compact.members = Object.fromEntries(Object.entries(shape.members).map(([member, target]) => [member, target.shape]));
    for (const target of Object.values(shape.members)) collect(target.shape);
  }
  for (const part of ['member', 'key', 'value'] as const) {
    const target = shape[part];
    if (target) {
      compact[part] = target.shape;
      collect(target.shape);
    }
  }
}

const operations: Record<string, string> = {};
for (const [name, operation] of Object.entries(model.operations).sort(([a], [b]) => a.localeCompare(b))) {
  if (!operation.input) continue;
  operations[name] = operation.input.shape;
  collect(operation.input.shape);
}

const output = join(new URL('..', import.meta.url).pathname, 'packages/protocol/src/generated/dynamodb-shapes.json');
const sortedShapes = Object.fromEntries(Object.entries(shapes).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(output, `${JSON.stringify({ targetPrefix: model.metadata.targetPrefix, operations, shapes: sortedShapes }, null, 1)}\n`);
console.log(`wrote ${Object.keys(operations).length} operations, ${Object.keys(shapes).length} shapes to ${output}`);
