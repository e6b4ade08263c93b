/** <metadata>: this provider's ownership element, in its own namespace, matched by namespace URI. */
import { Owner } from "../owner";
import { asArray, asNode, attrOf, ATTR } from "../parse/xml";
import { attrs, Node, XmlNode } from "./node";

/** Namespace of the ownership element this provider writes under <metadata>. */
export const OWNER_NAMESPACE = "https://pulumi-sev.dev/xmlns/owner/1";

export type { Owner };

/** <metadata><sev:owner xmlns:sev=OWNER_NAMESPACE project stack urn/></metadata>. */
export function renderMetadata(owner: Owner | null): Node | undefined {
  if (owner === null) return undefined;
  return { "sev:owner": attrs({ "xmlns:sev": OWNER_NAMESPACE, project: owner.project, stack: owner.stack, urn: owner.urn }) };
}

/** The namespace URI an element name's prefix is bound to, looking at the element and then its ancestors. */
function namespaceOf(qualifiedName: string, scopes: unknown[]): string | null {
  const colon = qualifiedName.indexOf(":");
  const declaration = colon < 0 ? "xmlns" : `xmlns:${qualifiedName.slice(0, colon)}`;
  for (const scope of scopes) {
    const uri = attrOf(scope, declaration);
    if (uri !== null) return uri;
  }
  return null;
}

function localName(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.indexOf(":") + 1);
}

/** The owner in a parsed <domain>'s <metadata>, whatever prefix binds OWNER_NAMESPACE; null without one. */
export function ownerOf(domain: XmlNode): Owner | null {
  const metadata = domain["metadata"];
  for (const [name, value] of Object.entries(asNode(metadata))) {
    if (name.startsWith(ATTR) || localName(name) !== "owner") continue;
    for (const element of asArray(value)) {
      if (namespaceOf(name, [element, metadata, domain]) !== OWNER_NAMESPACE) continue;
      const project = attrOf(element, "project");
      const stack = attrOf(element, "stack");
      const urn = attrOf(element, "urn");
      if (project !== null && stack !== null && urn !== null) return { project, stack, urn };
    }
  }
  return null;
}
