/** Line helpers shared by the text parsers. */

export function linesOf(text: string): string[] {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/** "key=value" lines to a map; later lines win. */
export function keyValues(text: string, separator = "="): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of linesOf(text)) {
    const at = line.indexOf(separator);
    if (at > 0) map.set(line.slice(0, at).trim(), line.slice(at + separator.length).trim());
  }
  return map;
}
