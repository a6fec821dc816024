/** RFC 6265bis 5.1.4: the directory of the request path, the path of a cookie without Path. */
export function defaultPath(requestPath: string): string {
  if (requestPath.charCodeAt(0) !== 0x2f) return "/";
  const last = requestPath.lastIndexOf("/");
  return last === 0 ? "/" : requestPath.slice(0, last);
}

/**
 * RFC 6265bis 5.1.4 path matching, by whole segments and on the path as the URL holds it
 * (percent-encoding is not decoded): `/admin` matches `/admin` and `/admin/users`, not
 * `/administrator`.
 */
export function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return (
    cookiePath.charCodeAt(cookiePath.length - 1) === 0x2f ||
    requestPath.charCodeAt(cookiePath.length) === 0x2f
  );
}
