// Host names as Host headers carry them, and which of them stay on this machine.

/** A host name as it appears in a Host header: lower case, IPv6 in brackets, no trailing dot. */
export function hostHeaderName(host: string): string {
  const h = host.trim().toLowerCase();
  const bare = h.endsWith('.') ? h.slice(0, -1) : h;
  return bare.includes(':') && !bare.startsWith('[') ? `[${bare}]` : bare;
}

/** True for addresses and names of this machine only: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = hostHeaderName(host);
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
