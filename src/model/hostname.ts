// Host and domain names per RFC 1123 section 2.1 (labels of letters, digits and hyphens).

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Why the text is not a single RFC 1123 host label, or undefined when it is one. */
export function hostLabelProblem(text: string): string | undefined {
  if (text.length === 0) return "is empty";
  if (text.length > 63) return `is ${text.length} characters long; a host label has at most 63`;
  if (!LABEL.test(text)) return "may hold only letters, digits and inner hyphens (RFC 1123)";
  return undefined;
}

/** Why the text is not an RFC 1123 domain name, or undefined when it is one. */
export function domainProblem(text: string): string | undefined {
  if (text.length > 253) return `is ${text.length} characters long; a domain name has at most 253`;
  for (const label of text.split(".")) {
    const problem = hostLabelProblem(label);
    if (problem) return `has a label "${label}" that ${problem}`;
  }
  return undefined;
}
