// A leading U+FEFF is a byte order mark, not content: Windows editors write one before UTF-8 text,
// and JSON.parse rejects it (RFC 8259 section 8.1 lets a parser ignore it; V8's does not).

/** The Köln CSV, the 2023 AFDC CSV, OCPI feed "punkt" and Notepad's saved settings files start with one. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
