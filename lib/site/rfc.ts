// "RFC 1939", "RFC 1939 section 7", "section 4 of RFC 1939" become links to
// that RFC (and section) on the IETF's site. Works on already-escaped text.

export const rfcUrl = (n: string, section?: string) =>
  `https://datatracker.ietf.org/doc/html/rfc${Number(n)}${section ? `#section-${section}` : ''}`;

const MENTION = /\b(?:(?:[Ss]ection|§) ?(\d+(?:\.\d+)*) of RFC ?(\d{3,5})|RFC ?(\d{3,5})(?:,? (?:[Ss]ection |§ ?)(\d+(?:\.\d+)*))?)\b/g;

export function rfcLinks(escapedText: string): string {
  return escapedText.replace(MENTION, (whole: string, s1?: string, n1?: string, n2?: string, s2?: string) => {
    const url = rfcUrl((n1 ?? n2)!, s1 ?? s2);
    return `<a class="ext rfc" href="${url}" rel="external noopener">${whole}</a>`;
  });
}
