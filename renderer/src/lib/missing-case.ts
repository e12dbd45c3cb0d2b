/**
 * The end of an exhaustive switch: the compiler proves it unreachable (`never`); if a value from
 * outside the types gets there anyway, it throws with the value.
 */
export function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
