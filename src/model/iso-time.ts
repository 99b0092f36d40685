// One spelling of an instant: ISO 8601 in UTC to the second ("2030-06-03T10:00:00Z"), the form
// stored in every time column and served by every endpoint, so string comparison orders them.

export function iso(at: Date | number): string {
  return `${new Date(at).toISOString().slice(0, 19)}Z`;
}
