/** `1 message`, `2 messages`, `0 messages`: a count with its noun, for text people read. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
