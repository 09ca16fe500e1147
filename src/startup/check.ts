/** One start-up check's outcome, in words a person can act on. */
export interface Check {
  name: string;
  ok: boolean;
  verdict: string;
}
