/** Makes a switch over a closed union exhaustive: a case left out is a type error here. */
export function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
