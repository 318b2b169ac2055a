export const SECRET = 'livesupporti-test-secret-0123456789abcdef';
