export function sha256Placeholder(): void {}
