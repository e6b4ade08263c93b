/** Shared fast-xml-parser setup and small accessors for the loosely typed tree it returns. */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export type XmlNode = Record<string, unknown>;

export const ATTR = "@_";

/** Elements that may repeat; always parsed as arrays so one element and many look the same. */
const REPEATING = new Set(["value", "enum", "machine"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (tagName, _path, _leaf, isAttribute) => !isAttribute && REPEATING.has(tagName),
});

/** Parses a well-formed XML document; throws with the validator's message otherwise. */
export function parseXml(text: string): XmlNode {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(text) as XmlNode;
}

export function asNode(value: unknown): XmlNode {
  if (Array.isArray(value)) return asNode(value[0]);
  return value !== null && typeof value === "object" ? (value as XmlNode) : {};
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** An element's text, whether the parser stored it as a string or under #text. */
export function textOf(value: unknown): string | null {
  if (Array.isArray(value)) return textOf(value[0]);
  if (typeof value === "string") return value.trim() === "" ? null : value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value !== null && typeof value === "object") return textOf((value as XmlNode)["#text"]);
  return null;
}

export function attrOf(node: unknown, name: string): string | null {
  const v = asNode(node)[ATTR + name];
  return typeof v === "string" ? v : null;
}

export function texts(value: unknown): string[] {
  return asArray(value)
    .map(textOf)
    .filter((t): t is string => t !== null);
}

export function integerOf(value: unknown): number | null {
  const t = textOf(value);
  return t !== null && /^\d+$/.test(t) ? Number(t) : null;
}
