/**
 * Which inputs are secret, read from the JSON Schemas (the one source of truth): every property
 * marked "secret": true, at any depth, through local $refs. Never a hand-kept list.
 */
type SchemaNode = { $ref?: string; secret?: boolean; properties?: Record<string, SchemaNode>; [k: string]: unknown };

function resolve(root: SchemaNode, node: SchemaNode, seen: Set<string>): SchemaNode {
  if (!node.$ref) return node;
  if (!node.$ref.startsWith("#/")) throw new Error(`secret paths: only local $refs are followed, not ${node.$ref}`);
  if (seen.has(node.$ref)) throw new Error(`secret paths: $ref cycle through ${node.$ref}`);
  seen.add(node.$ref);
  const target = node.$ref
    .slice(2)
    .split("/")
    .reduce<unknown>((n, k) => (n as Record<string, unknown>)?.[k], root) as SchemaNode | undefined;
  if (!target) throw new Error(`secret paths: ${node.$ref} does not resolve`);
  return resolve(root, { ...target, ...node, $ref: undefined, secret: node.secret ?? target.secret }, seen);
}

/** Paths (property names from the top) of every secret input the schema describes. */
export function secretPaths(schema: object): string[][] {
  const root = schema as SchemaNode;
  const walk = (node: SchemaNode, at: string[], seen: Set<string>): string[][] => {
    const n = resolve(root, node, new Set(seen));
    if (n.secret === true) return [at];
    return Object.entries(n.properties ?? {}).flatMap(([k, child]) => walk(child, [...at, k], new Set(seen)));
  };
  return walk(root, [], new Set());
}
